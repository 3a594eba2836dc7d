package vm

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Lanes keep guests that run long from crowding out the others. A call
// that has run for After, through After's worth of time slices (the guest
// is CPU-bound: an endless loop, or heavy work), needs one of the lanes to go on running at the end of each
// time slice (pacer.go); the guests past After take turns in them, slice
// by slice, and the rest wait parked, holding no thread, their deadline
// and cancellation still in force. Calls that end before After never wait
// for a lane, so with n lanes on a machine of more CPUs, long-running
// guests (a tenant's endless loops) take at most n CPUs however many of
// them arrive, and short requests keep the rest.
//
// Lanes belong to stores (Store.Lane), and any number of stores may share
// them; a store's calls hold at most one lane, nested calls (wasm → host
// → wasm in the same store) included. A call in one store made from a host
// function of another store sharing the same lanes would wait for a lane
// the outer call may hold: such stores must not share lanes.
type Lanes struct {
	slots   chan struct{}
	after   int64
	waiting atomic.Int64
}

// NewLanes makes n lanes (at least 1) for calls that have run for after.
func NewLanes(n int, after time.Duration) *Lanes {
	return &Lanes{slots: make(chan struct{}, max(n, 1)), after: int64(max(after, 0))}
}

// Stats reports the calls running in a lane and those waiting for one.
func (l *Lanes) Stats() (running, waiting int) {
	return len(l.slots), int(l.waiting.Load())
}

// Size is the number of lanes.
func (l *Lanes) Size() int { return cap(l.slots) }

// LaneUse is a store's hold on its lanes: used by the store's goroutine
// only, like the store.
type LaneUse struct {
	Lanes *Lanes
	held  bool
	// since is when the store's outermost call began running, as far as
	// the pacer knows: a slice before its first slice end (0: no slice
	// has ended yet).
	since int64
	// slices counts the call's slice ends: a call is long-running once it
	// has run for After and had After's worth of slices, so that a short
	// call that the kernel kept off its CPU for After (on a loaded
	// machine) is not taken for one.
	slices int64
}

// turn is the end of a time slice for a store with lanes, instead of a
// plain yield: a call past After gives its lane to the next guest that
// waits for one and queues for it again. It returns when the call may run
// on, when done is closed, or at deadline (a nanotime; 0: none) (the pacer
// then sees the deadline or the caller the cancellation).
func (u *LaneUse) turn(done <-chan struct{}, deadline int64) {
	now := nanotime()
	if u.since == 0 {
		u.since = now - int64(TimeSlice)
	}
	if u.held {
		<-u.Lanes.slots
		u.held = false
	}
	runtime.Gosched()
	u.slices++
	if now-u.since < u.Lanes.after || u.slices*int64(TimeSlice) < u.Lanes.after {
		return
	}
	select {
	case u.Lanes.slots <- struct{}{}:
		u.held = true
		return
	default:
	}
	u.Lanes.waiting.Add(1)
	// A deadline that is not the context's (a store's) needs a timer of
	// its own here; a wait happens only to calls that have run long.
	var expired <-chan time.Time
	if deadline != 0 {
		t := time.NewTimer(time.Duration(deadline - now))
		defer t.Stop()
		expired = t.C
	}
	select {
	case u.Lanes.slots <- struct{}{}:
		u.held = true
	case <-done:
	case <-expired:
	}
	u.Lanes.waiting.Add(-1)
	// The goroutine that gave the lane up made this one its P's next to
	// run, ahead of every goroutine already waiting there: going to the
	// back of the queue keeps long-running guests behind the others.
	runtime.Gosched()
}

// End is called when the store's outermost call returns, however it
// ended: it gives the lane back, and the next call starts afresh.
func (u *LaneUse) End() {
	if u.held {
		<-u.Lanes.slots
		u.held = false
	}
	u.since, u.slices = 0, 0
}
