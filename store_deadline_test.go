package moat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// A guest that never returns, in a store with a deadline and called with
// a context that has none, ends with the interrupted trap, its cause
// DeadlineExceeded, once the deadline has passed, on both engines: spinning
// in a loop, in a start function, and waiting for a CPU lane that another
// spinning guest holds. A call that starts after the deadline does not run;
// the zero time removes the deadline.
func TestStoreDeadline(t *testing.T) {
	laneEngines(t, func(t *testing.T, e *moat.Engine) {
		mod := compile(t, e, lanesWat)
		wantDeadline := func(t *testing.T, what string, err error, deadline time.Time) {
			t.Helper()
			if !isInterrupted(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s: got %v, want an interrupted trap with DeadlineExceeded", what, err)
			}
			if time.Now().Before(deadline) {
				t.Fatalf("%s: interrupted before the deadline", what)
			}
		}

		s := moat.NewStore(e)
		defer s.Close()
		inst, err := s.Instantiate(context.Background(), mod)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Millisecond)
		if err := s.SetDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		if got := s.Deadline(); !got.Equal(deadline) {
			t.Fatalf("Deadline() = %v, want %v", got, deadline)
		}
		wantDeadline(t, "spinning", callWithin(t, inst.Func("spin"), context.Background(), 30*time.Second), deadline)

		// Passed: the call does not start (a short function would return).
		if _, err := inst.Func("add").Call(context.Background(), 1, 2); !isInterrupted(err) {
			t.Fatalf("a call after the deadline: got %v, want an interrupted trap", err)
		}
		if err := s.SetDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, err := inst.Func("add").Call(context.Background(), 1, 2); err != nil || got[0] != 3 {
			t.Fatalf("without a deadline: got %v, %v, want 3", got, err)
		}

		// In a start function.
		startMod := compile(t, e, `(module (func $spin (loop (br 0))) (start $spin))`)
		s2 := moat.NewStore(e)
		defer s2.Close()
		deadline = time.Now().Add(30 * time.Millisecond)
		s2.SetDeadline(deadline)
		done := make(chan error, 1)
		go func() { _, err := s2.Instantiate(context.Background(), startMod); done <- err }()
		select {
		case err := <-done:
			wantDeadline(t, "start function", err, deadline)
		case <-time.After(30 * time.Second):
			t.Fatal("the start function ignored the store's deadline")
		}

		// Waiting for the one lane, which a guest without a deadline holds
		// until it is cancelled.
		lanes, err := moat.NewCPULanes(1, 0)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		holder := moat.NewStore(e)
		defer holder.Close()
		holder.SetCPULanes(lanes)
		hinst, err := holder.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		held := make(chan error, 1)
		go func() { _, err := hinst.Func("spin").Call(ctx); held <- err }()
		waitUntil(t, "the holder in the lane", func() bool { return lanes.Stats().Running == 1 })
		waiter := moat.NewStore(e)
		defer waiter.Close()
		waiter.SetCPULanes(lanes)
		winst, err := waiter.Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(50 * time.Millisecond)
		waiter.SetDeadline(deadline)
		wantDeadline(t, "waiting for a lane", callWithin(t, winst.Func("spin"), context.Background(), 30*time.Second), deadline)
		waitUntil(t, "the waiter gone from the lanes", func() bool {
			return lanes.Stats() == moat.CPULaneStats{Lanes: 1, Running: 1}
		})
		cancel()
		select {
		case err := <-held:
			if !isInterrupted(err) {
				t.Fatalf("the holder: got %v, want an interrupted trap", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the holder ignored cancellation")
		}
	})
}

// A closed store's deadline cannot be set.
func TestStoreDeadlineClosed(t *testing.T) {
	e, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := moat.NewStore(e)
	s.Close()
	if err := s.SetDeadline(time.Now()); !errors.Is(err, moat.ErrClosed) {
		t.Fatalf("SetDeadline on a closed store: %v, want ErrClosed", err)
	}
}
