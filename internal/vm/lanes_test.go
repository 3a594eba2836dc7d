package vm

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// A call needs a lane once it has run for After and been through After's
// worth of time slices: one that the kernel kept waiting for longer than
// After, in a slice or two, does not, and neither does one whose slices
// were short (crowded Ps) and add up to less than After.
func TestLaneThresholdCountsSlices(t *testing.T) {
	l := NewLanes(1, 4*TimeSlice)
	u := &LaneUse{Lanes: l}
	u.since = nanotime() - int64(time.Second) // long ago, in wall time
	for i := 1; i < 4; i++ {
		// A slice the kernel kept waiting (by the wall clock alone).
		u.resumed, u.resumedCPU = nanotime()-int64(time.Second), 0
		u.turn(nil, 0)
		if u.held {
			t.Fatalf("in a lane after %d slices of %d", i, 4)
		}
	}
	u.resumed, u.resumedCPU = nanotime()-int64(TimeSlice), 0
	u.turn(nil, 0)
	if !u.held {
		t.Fatal("not in a lane after 4 slices and a second")
	}
	if running, waiting := l.Stats(); running != 1 || waiting != 0 {
		t.Errorf("Stats() = %d running, %d waiting; want 1, 0", running, waiting)
	}
	u.End()
	if running, _ := l.Stats(); running != 0 || u.held || u.ran != 0 || u.since != 0 || u.resumed != 0 {
		t.Errorf("after End: %d running, held %v, ran %d, since %d, resumed %d", running, u.held, u.ran, u.since, u.resumed)
	}

	// Slices of a fifth of TimeSlice (each counts for at least that and
	// at most a whole one): two are not enough, where two slice ends of
	// whole slices would have been counted as 2 × 4; 32 are.
	u.since = nanotime() - int64(time.Second)
	for i := range 32 {
		u.resumed, u.resumedCPU = nanotime()-int64(TimeSlice/5), 0
		u.turn(nil, 0)
		if u.held != (u.ran >= int64(4*TimeSlice)) {
			t.Fatalf("after %d short slices: in a lane %v, having run %v", i+1, u.held, time.Duration(u.ran))
		}
		if i == 1 && u.held {
			t.Fatal("in a lane after two short slices")
		}
		if u.held {
			break
		}
	}
	if !u.held {
		t.Fatalf("not in a lane after 32 short slices (ran %v)", time.Duration(u.ran))
	}
	u.End()

	// By the thread's CPU time, where it is read: slices of a whole
	// TimeSlice of wall time in which the thread hardly ran count for
	// what it ran.
	if threadCPUTime() == 0 {
		return
	}
	u.since = nanotime() - int64(time.Second)
	for i := range 8 {
		u.resumed, u.resumedCPU = nanotime()-int64(TimeSlice), threadCPUTime()
		u.turn(nil, 0)
		if u.held {
			t.Fatalf("in a lane after %d slices of wall time that used little CPU (ran %v)", i+1, time.Duration(u.ran))
		}
	}
	u.End()
}

// A lane at duty d rests (1-d)/d of the time a call ran in it, the call
// parked and holding it, before it may run anyone again; at the default
// duty it never rests; a rest is bounded, and ends with the call's
// context or at its deadline.
func TestLaneDuty(t *testing.T) {
	l := NewLanes(1, 0)
	if got := l.Duty(); got != 1 {
		t.Fatalf("default duty %v, want 1", got)
	}
	if got := l.rest(int64(time.Millisecond)); got != 0 {
		t.Fatalf("rest at full duty: %v, want 0", got)
	}
	for _, c := range []struct {
		duty float64
		ran  time.Duration
		rest time.Duration
	}{
		{0.25, time.Millisecond, 3 * time.Millisecond},
		{0.5, 250 * time.Microsecond, 250 * time.Microsecond},
		{0.1, 250 * time.Microsecond, 2250 * time.Microsecond},
		{0.25, time.Second, maxRest},
	} {
		l.SetDuty(c.duty)
		if got := l.Duty(); got < c.duty*0.999 || got > c.duty*1.001 {
			t.Errorf("SetDuty(%v): Duty() = %v", c.duty, got)
		}
		if got := l.rest(int64(c.ran)); got < c.rest-time.Microsecond || got > c.rest+time.Microsecond {
			t.Errorf("duty %v, ran %v: rest %v, want %v", c.duty, c.ran, got, c.rest)
		}
	}

	// A call that ran 20 ms in the lane at duty 1/2 rests 20 ms before it
	// gives the lane up.
	l.SetDuty(0.5)
	u := &LaneUse{Lanes: l}
	l.slots <- struct{}{}
	u.held, u.resumed, u.since = true, nanotime()-int64(20*time.Millisecond), 1
	start := time.Now()
	u.turn(nil, 0)
	if took := time.Since(start); took < 20*time.Millisecond {
		t.Errorf("turn after 20 ms in the lane at duty 1/2 took %v, want a rest of 20 ms", took)
	}
	if !u.held {
		t.Fatal("not back in the lane after the rest (no other call wants it)")
	}

	// Cancelled, or at its deadline: a rest of an hour ends at once.
	defer func(d time.Duration) { maxRest = d }(maxRest)
	maxRest = time.Hour
	turnWithin := func(what string, done <-chan struct{}, deadline int64) {
		t.Helper()
		returned := make(chan struct{})
		go func() {
			u.turn(done, deadline)
			close(returned)
		}()
		select {
		case <-returned:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: still resting after 30 s", what)
		}
		u.End()
	}
	u.End()
	closed := make(chan struct{})
	close(closed)
	l.slots <- struct{}{}
	u.held, u.resumed = true, nanotime()-int64(time.Hour)
	turnWithin("cancelled", closed, 0)
	l.slots <- struct{}{}
	u.held, u.resumed = true, nanotime()-int64(time.Hour)
	turnWithin("at its deadline", nil, nanotime()+int64(5*time.Millisecond))
}

// A run whose store needs a lane from the end of its first time slice (its
// own threshold 0: a server's spinning route) counts among the spinning
// guests from its start, and its first slice is one slice, not the one or
// two coarse steps of the ticker that other young runs get
// (firstSliceTicks); a run with the lanes' threshold is unchanged.
func TestBeginEpochLaneFromFirstSlice(t *testing.T) {
	l := NewLanes(1, 5*time.Millisecond)
	for _, tc := range []struct {
		name  string
		after time.Duration // -1: the lanes' own threshold
		want  uint64        // ticks of the first slice; 0: firstSliceTicks
	}{
		{"lanes' threshold", -1, 0},
		{"own threshold of 1ms", time.Millisecond, 0},
		{"own threshold of 0", 0, sliceTicks},
		{"own threshold of 100µs", 100 * time.Microsecond, sliceTicks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &LaneUse{Lanes: l}
			u.SetAfter(tc.after)
			var p Pacer
			p.Begin(context.Background())
			p.UseLanes(u)
			before := atomic.LoadInt32(&spinning)
			want, wantMost := tc.want, tc.want
			if want == 0 {
				want = firstSliceTicks()
			}
			epoch := Epoch()
			p.BeginEpoch()
			if wantMost == 0 {
				// The ticker's steps may have changed length meanwhile
				// (coarse or calm: firstSliceTicks).
				wantMost = firstSliceTicks()
				want, wantMost = min(want, wantMost), max(want, wantMost)
			}
			// The epoch may step meanwhile: the slice ends want ticks
			// after one of the epochs read around BeginEpoch.
			if got := p.sliceEpoch; got < epoch+want || got > Epoch()+wantMost {
				t.Errorf("first slice ends at epoch %d, want %d-%d ticks after %d", got, want, wantMost, epoch)
			}
			fromStart := tc.want != 0
			if got := p.spinning; got != fromStart {
				t.Errorf("spinning from the start: %v, want %v", got, fromStart)
			}
			p.End()
			if after := atomic.LoadInt32(&spinning); p.spinning || (fromStart && after > before) {
				t.Errorf("after End: spinning %v, count %d (was %d)", p.spinning, after, before)
			}
		})
	}
}

// A store whose threshold is under a slice (a server's spinning route)
// counts its call's first slice for the CPU time the call used in it: a
// call that the kernel kept off its CPU (here asleep) for longer than a
// slice does not need a lane at the slice's end, one that used its slice
// computing does.
func TestLaneFirstSliceCountsCPU(t *testing.T) {
	if threadCPUTime() == 0 {
		t.Skip("the thread's CPU clock is not read here")
	}
	// One thread throughout, so that its CPU clock is the call's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l := NewLanes(1, time.Hour)
	for _, spin := range []bool{false, true} {
		u := &LaneUse{Lanes: l}
		u.SetAfter(100 * time.Microsecond)
		var p Pacer
		p.Begin(context.Background())
		p.UseLanes(u)
		if u.resumed == 0 || u.resumedCPU == 0 {
			t.Fatalf("no reading at the call's start: resumed %d, CPU %d", u.resumed, u.resumedCPU)
		}
		if spin {
			for cpu := threadCPUTime(); threadCPUTime()-cpu < int64(2*TimeSlice); {
			}
		} else {
			time.Sleep(2 * TimeSlice)
		}
		u.turn(nil, 0)
		if u.held != spin {
			t.Errorf("spinning %v: in a lane at the first slice's end: %v (ran %v)", spin, u.held, time.Duration(u.ran))
		}
		u.End()
		p.End()
	}
	if running, waiting := l.Stats(); running != 0 || waiting != 0 {
		t.Errorf("Stats() = %d running, %d waiting after the calls", running, waiting)
	}
}
