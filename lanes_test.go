package moat_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

const lanesWat = `(module
  (func (export "spin") (loop (br 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`

// laneEngines runs f on each engine of this platform.
func laneEngines(t *testing.T, f func(t *testing.T, e *moat.Engine)) {
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		e, err := moat.NewEngine(moat.Config{Engine: kind})
		if err != nil {
			t.Logf("%v: %v", kind, err)
			continue
		}
		t.Run(kind.String(), func(t *testing.T) { f(t, e) })
	}
}

// waitUntil polls cond, failing the test after a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Spinning guests past the threshold run one at a time in a single lane,
// the others parked waiting for it; a short call in another store with
// the same lanes runs meanwhile without waiting; cancelling interrupts
// the waiting guests as well as the running one, and every lane comes
// back.
func TestCPULanesOneAtATime(t *testing.T) {
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		lanes, err := moat.NewCPULanes(1, 0)
		if err != nil {
			t.Fatal(err)
		}
		mod := compile(t, e, lanesWat)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const spinners = 3
		errs := make(chan error, spinners)
		for range spinners {
			s := moat.NewStore(e)
			if err := s.SetCPULanes(lanes); err != nil {
				t.Fatal(err)
			}
			inst, err := s.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				_, err := inst.Func("spin").Call(ctx)
				errs <- err
			}()
		}
		waitUntil(t, "one spinner in the lane and the others waiting", func() bool {
			return lanes.Stats() == moat.CPULaneStats{Lanes: 1, Running: 1, Waiting: spinners - 1}
		})
		s := moat.NewStore(e)
		s.SetCPULanes(lanes)
		inst, err := s.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := inst.Func("add").Call(ctx, 2, 3); err != nil || got[0] != 5 {
			t.Errorf("a short call beside the spinners: %v, %v", got, err)
		}
		cancel()
		for range spinners {
			select {
			case err := <-errs:
				var trap *moat.Trap
				if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
					t.Errorf("a spinner ended with %v, want the interrupted trap", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("a spinner did not stop when cancelled")
			}
		}
		if st := lanes.Stats(); st.Running != 0 || st.Waiting != 0 {
			t.Errorf("after the calls: %+v, want no call in or waiting for a lane", st)
		}
	})
}

// A call waiting for a lane stops at its deadline, and a lane held by a
// call that ends (here at its own deadline) goes back, so the store's
// next call starts afresh.
func TestCPULanesDeadline(t *testing.T) {
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		lanes, _ := moat.NewCPULanes(1, 0)
		mod := compile(t, e, lanesWat)
		hold, cancelHold := context.WithCancel(context.Background())
		defer cancelHold()
		holder := moat.NewStore(e)
		holder.SetCPULanes(lanes)
		hi, err := holder.Instantiate(hold, mod)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			hi.Func("spin").Call(hold)
		}()
		waitUntil(t, "the first spinner to take the lane", func() bool { return lanes.Stats().Running == 1 })
		s := moat.NewStore(e)
		s.SetCPULanes(lanes)
		inst, err := s.Instantiate(context.Background(), mod)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err = inst.Func("spin").Call(ctx)
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
			t.Errorf("waiting past its deadline: %v, want the interrupted trap", err)
		}
		cancelHold()
		wg.Wait()
		if st := lanes.Stats(); st.Running != 0 || st.Waiting != 0 {
			t.Errorf("after the calls: %+v", st)
		}
		if got, err := inst.Func("add").Call(context.Background(), 1, 1); err != nil || got[0] != 2 {
			t.Errorf("the store's next call: %v, %v", got, err)
		}
	})
}

// Calls that have not run for the threshold never take a lane nor wait
// for one, however many there are.
func TestCPULanesThreshold(t *testing.T) {
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		lanes, _ := moat.NewCPULanes(1, time.Hour)
		mod := compile(t, e, lanesWat)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		for range 3 {
			s := moat.NewStore(e)
			s.SetCPULanes(lanes)
			inst, err := s.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst.Func("spin").Call(ctx)
			}()
		}
		for ctx.Err() == nil {
			if st := lanes.Stats(); st.Running != 0 || st.Waiting != 0 {
				t.Fatalf("calls under the threshold in the lanes: %+v", st)
			}
			time.Sleep(time.Millisecond)
		}
		wg.Wait()
	})
}

func TestNewCPULanesRefuses(t *testing.T) {
	for _, c := range []struct {
		n     int
		after time.Duration
	}{{0, 0}, {-1, time.Millisecond}, {1, -time.Millisecond}} {
		if _, err := moat.NewCPULanes(c.n, c.after); err == nil {
			t.Errorf("NewCPULanes(%d, %v) succeeded", c.n, c.after)
		}
	}
}

// SetDuty takes a share above 0 and at most 1. A guest that spins in a
// lane of a low duty, resting most of the time, still ends at its
// deadline (the context's or its store's), on both engines.
func TestCPULanesDuty(t *testing.T) {
	lanes, err := moat.NewCPULanes(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if lanes.Duty() != 1 {
		t.Fatalf("default duty %v, want 1", lanes.Duty())
	}
	for _, bad := range []float64{0, -0.5, 1.5} {
		if err := lanes.SetDuty(bad); err == nil {
			t.Errorf("SetDuty(%v) accepted", bad)
		}
	}
	if err := lanes.SetDuty(0.01); err != nil || lanes.Duty() < 0.0099 || lanes.Duty() > 0.0101 {
		t.Fatalf("SetDuty(0.01): %v, Duty() = %v", err, lanes.Duty())
	}
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		mod := compile(t, e, lanesWat)
		for _, byStore := range []bool{false, true} {
			s := moat.NewStore(e)
			s.SetCPULanes(lanes)
			inst, err := s.Instantiate(context.Background(), mod)
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(50 * time.Millisecond)
			ctx := context.Background()
			if byStore {
				s.SetDeadline(deadline)
			} else {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, deadline)
				defer cancel()
			}
			err = callWithin(t, inst.Func("spin"), ctx, 30*time.Second)
			if !isInterrupted(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("store deadline %v: got %v, want an interrupted trap at the deadline", byStore, err)
			}
			s.Close()
		}
		if st := lanes.Stats(); st.Running != 0 || st.Waiting != 0 {
			t.Fatalf("lanes after the calls: %+v", st)
		}
	})
}

// A store's own lanes threshold (SetCPULanesAfter) wins over the lanes':
// with lanes for calls past an hour, a spinning guest of a store whose
// threshold is 0 runs in a lane from its first time slice, and counts as a
// long-running call; SetCPULanes keeps the store's threshold and count.
func TestStoreCPULanesAfter(t *testing.T) {
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		lanes, err := moat.NewCPULanes(1, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if lanes.After() != time.Hour {
			t.Fatalf("After() = %v", lanes.After())
		}
		s := moat.NewStore(e)
		defer s.Close()
		if err := s.SetCPULanesAfter(0); err != nil {
			t.Fatal(err)
		}
		s.SetCPULanes(lanes) // after: the threshold stays
		inst, err := s.Instantiate(context.Background(), compile(t, e, lanesWat))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := inst.Func("spin").Call(ctx); done <- err }()
		waitUntil(t, "the spinning guest in the lane", func() bool { return lanes.Stats().Running == 1 })
		cancel()
		select {
		case err := <-done:
			if !isInterrupted(err) {
				t.Fatalf("got %v, want an interrupted trap", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the guest ignored cancellation")
		}
		if n := s.LongRunningCalls(); n != 1 {
			t.Fatalf("LongRunningCalls() = %d, want 1", n)
		}
		if got, err := inst.Func("add").Call(context.Background(), 1, 2); err != nil || got[0] != 3 {
			t.Fatalf("a short call: %v %v", got, err)
		}
		if n := s.LongRunningCalls(); n != 1 {
			t.Fatalf("after a short call: LongRunningCalls() = %d, want 1", n)
		}
	})
}
