package vm

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/moat-run/moat/internal/cpuclock"
)

// Lanes keep guests that run long from crowding out the others. A call
// that has run for After, through After's worth of time slices counted in
// its thread's CPU time (the guest is CPU-bound: an endless loop, or heavy
// work), needs one of the lanes to go on running at the end of each
// time slice (pacer.go); the guests past After take turns in them, slice
// by slice, and the rest wait parked, holding no thread, their deadline
// and cancellation still in force. Calls that end before After never wait
// for a lane, so with n lanes on a machine of more CPUs, long-running
// guests (a tenant's endless loops) take at most n CPUs however many of
// them arrive, and short requests keep the rest.
//
// A lane may run long calls for only part of the time (SetDuty): after a
// slice in the lane, the call rests, parked and holding the lane, for as
// long again as the rest of the duty cycle asks (a slice of 250 µs at a
// duty of 1/4: 750 µs), so that n lanes give long-running guests n×duty
// CPUs, less than one CPU if need be (on two CPUs, one lane is half the
// machine).
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
	// restPerRun is the rest a lane takes per nanosecond a call ran in it,
	// in 1/restScale (0: none; SetDuty).
	restPerRun atomic.Int64
}

// restScale is the fixed point of restPerRun.
const restScale = 1 << 16

// maxRest bounds one rest: a slice that ran long (a slow visit, the kernel
// keeping the thread off its CPU) does not park the call for ages. (A
// variable for tests.)
var maxRest = 100 * time.Millisecond

// SetDuty makes each lane run long calls for at most duty of the time
// (0 < duty ≤ 1; 1, the default, runs them whenever they hold the lane).
func (l *Lanes) SetDuty(duty float64) {
	if !(duty > 0 && duty < 1) {
		l.restPerRun.Store(0)
		return
	}
	l.restPerRun.Store(int64((1 - duty) / duty * restScale))
}

// Duty is the lanes' duty cycle (SetDuty).
func (l *Lanes) Duty() float64 {
	return 1 / (1 + float64(l.restPerRun.Load())/restScale)
}

// rest is how long a lane rests after a call ran in it for ran.
func (l *Lanes) rest(ran int64) time.Duration {
	k := l.restPerRun.Load()
	if k == 0 || ran <= 0 {
		return 0
	}
	return min(time.Duration(ran/restScale*k+ran%restScale*k/restScale), maxRest)
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
	// held, own and long are together, for every store embeds a LaneUse
	// (vm.Store), and one sandbox's store stays in its size class: held
	// says the store holds a lane; own and long are described below.
	held, own, long bool
	// since is when the store's outermost call began running, as far as
	// the pacer knows: a slice before its first slice end (0: no slice
	// has ended yet).
	since int64
	// ran is how long the call has run by its slice ends: each slice
	// counts for the thread's CPU time since the call last resumed
	// (resumedCPU; the wall time since resumed where that is not read, or
	// is less), but no more than a TimeSlice; the first slice counts whole
	// unless the call began with a reading (begin). A call is long-running once
	// it has run for After in wall time and in ran: a short call that the
	// kernel kept off its CPU for After (on a loaded machine) is not taken
	// for one, and neither is one whose slices were short because guests
	// crowded the Ps (CrowdedSlice: a request of 2 ms of CPU time among
	// many made 20 slice ends and more).
	ran, resumed, resumedCPU int64
	// timer times the waits of turn (a rest, a deadline), made at the
	// first and reused.
	timer *time.Timer
	// after, when own is set, is the store's threshold instead of the
	// lanes' (SetAfter).
	after int64
	// Long counts the store's calls that have run past the threshold
	// (needed a lane); long says the current call has.
	Long int
}

// SetAfter gives the store's calls a threshold of their own, d, instead
// of the lanes' (d < 0: the lanes' again).
func (u *LaneUse) SetAfter(d time.Duration) {
	u.after, u.own = int64(max(d, 0)), d >= 0
}

// laneFromFirstSlice reports whether the store's calls may need a lane
// from the end of their first time slice (their own threshold is under a
// slice: a server's spinning route).
func (u *LaneUse) laneFromFirstSlice() bool { return u.own && u.after < int64(TimeSlice) }

// begin is called as the store's outermost call starts running (Pacer.
// UseLanes). For a call that may need a lane from the end of its first
// slice, it reads the thread's CPU clock, so that the first slice counts
// for the CPU time the call used in it, as later ones do, rather than for
// a whole slice: with a threshold under a slice, a call that computes
// less (a request that ran out of memory in some 50 µs of system calls, a
// hello's few) does not need a lane however long the kernel kept it off
// its CPU meanwhile, where a spinning guest, having used its slice, does.
func (u *LaneUse) begin() {
	if u.resumed == 0 && u.laneFromFirstSlice() {
		u.resumed, u.resumedCPU = nanotime(), threadCPUTime()
	}
}

// OwnAfter reports the store's own threshold, if it has one, and its
// count of long calls (to carry them over to another LaneUse).
func (u *LaneUse) OwnAfter() (own bool, after time.Duration, long int) {
	return u.own, time.Duration(u.after), u.Long
}

// After is the lanes' threshold.
func (l *Lanes) After() time.Duration { return time.Duration(l.after) }

// After is the store's threshold.
func (u *LaneUse) After() time.Duration {
	if u.own || u.Lanes == nil {
		return time.Duration(u.after)
	}
	return time.Duration(u.Lanes.after)
}

// sleep parks the call for d, or until done is closed or deadline (a
// nanotime; 0: none) comes, whichever is first.
func (u *LaneUse) sleep(d time.Duration, done <-chan struct{}, deadline int64) {
	if deadline != 0 {
		d = min(d, time.Duration(deadline-nanotime()))
	}
	if d <= 0 {
		return
	}
	if u.timer == nil {
		u.timer = time.NewTimer(d)
	} else {
		u.timer.Reset(d) // stopped or fired and drained: no stale tick (Go 1.23 timers)
	}
	select {
	case <-u.timer.C:
	case <-done:
		u.timer.Stop()
	}
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
	slice := int64(TimeSlice)
	if u.resumed != 0 {
		slice = min(now-u.resumed, slice)
		if cpu := threadCPUTime(); cpu != 0 && u.resumedCPU != 0 {
			// On another thread since (the call blocked in between):
			// the difference may be anything, bounded by the wall time.
			slice = min(max(cpu-u.resumedCPU, 0), slice)
		}
	}
	u.ran += slice
	defer func() { u.resumed, u.resumedCPU = nanotime(), threadCPUTime() }()
	if u.held {
		// The lane's rest, the call still holding it, before the next
		// call (or this one again) may run in it.
		// (Holding the lane, the call has run in it since it last
		// resumed.)
		if rest := u.Lanes.rest(now - u.resumed); rest > 0 {
			u.sleep(rest, done, deadline)
		}
		<-u.Lanes.slots
		u.held = false
	}
	runtime.Gosched()
	after := u.Lanes.after
	if u.own {
		after = u.after
	}
	if now-u.since < after || u.ran < after {
		return
	}
	if !u.long {
		u.long = true
		u.Long++
	}
	select {
	case u.Lanes.slots <- struct{}{}:
		u.held = true
		return
	default:
	}
	u.Lanes.waiting.Add(1)
	// A deadline that is not the context's (a store's) needs a timer here.
	var expired <-chan time.Time
	if deadline != 0 {
		d := time.Duration(deadline - nanotime())
		if u.timer == nil {
			u.timer = time.NewTimer(d)
		} else {
			u.timer.Reset(d)
		}
		defer u.timer.Stop()
		expired = u.timer.C
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
	if u == nil {
		return // the store never used lanes
	}
	if u.held {
		<-u.Lanes.slots
		u.held = false
	}
	u.since, u.ran, u.resumed, u.resumedCPU, u.long = 0, 0, 0, 0, false
}

// threadCPUTime is the calling thread's CPU time in nanoseconds (0 where the
// clock is not read: lanes then count a call's slices by wall time alone).
// A guest's goroutine stays on one thread between two of its slice ends
// unless it blocked in between, and then the difference is bounded by the
// wall time anyway.
func threadCPUTime() int64 {
	d, _ := cpuclock.Thread()
	return int64(d)
}

// emptied is u reset for another store (Store.Reset), or nil.
func (u *LaneUse) emptied() *LaneUse {
	if u != nil {
		*u = LaneUse{}
	}
	return u
}
