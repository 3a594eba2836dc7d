package vm

import (
	"context"
	"sync/atomic"
	"time"
)

// A guest's goroutine must give its P back often, measured in time, not in
// instructions: the Go scheduler hands a P to a goroutine that becomes
// runnable (the goroutine that called runtime.GC(), a garbage-collection
// worker, the goroutine that cancels a context or fires a timer) only when
// the goroutine running on it yields or is preempted, and the runtime
// preempts a goroutine that does not yield only after it has run for 10 ms.
// With every P running a guest, each of those hand-overs would wait up to
// 10 ms. So both engines visit Go at their polls (function entries and
// loop headers) every few microseconds and yield with runtime.Gosched once
// the guest has had its time slice: TimeSlice, or CrowdedSlice while
// spinning guests are as many as the Ps (yield.go).
//
// The number of polls between two visits (a grant) is sized by the
// measured speed of the guest's polls so that visits come about every
// pollPeriod whatever the code looks like, and a context's deadline is met
// to within a visit: the grant before it ends at it. Bulk operations visit
// Go between chunks (bulk.go), so one huge memory.fill does not make a
// poll slow.

// TimeSlice is how long a guest runs before its goroutine yields the P to
// any other runnable goroutine while some P runs other Go code or none:
// far below the Go scheduler's own 10 ms; long enough that yielding (which
// may wake a thread for an idle P) costs well under 1% of the guest's
// time.
const TimeSlice = 250 * time.Microsecond

// pollPeriod is how often a spinning guest's code comes back to Go in a
// time slice of length slice: a fraction of it, so that a slice overruns
// by little, and a bound on how late a deadline is noticed; not below
// minPollPeriod, where visits would cost more than a percent.
func pollPeriod(slice int64) int64 { return max(slice/4, int64(minPollPeriod)) }

const minPollPeriod = 25 * time.Microsecond

const (
	// firstGrant is the grant of a run whose pace is not yet known: most
	// calls end before it is used up and never visit Go.
	firstGrant = DefaultPollInterval
	// maxGrant bounds a grant however fast the polls are.
	maxGrant = 1 << 24
	// maxGrowth bounds how fast grants grow from one visit to the next, so
	// a guest whose polls become slow overruns the period by at most this
	// factor for one grant.
	maxGrowth = 4
)

// clockBase anchors nanotime: time.Since reads the monotonic clock.
var clockBase = time.Now()

// nanotime is the monotonic clock in nanoseconds since clockBase.
func nanotime() int64 { return int64(time.Since(clockBase)) }

// passed reports whether deadline is set and has passed.
func passed(deadline time.Time) bool {
	return !deadline.IsZero() && !time.Now().Before(deadline)
}

// Pacer keeps the time for one run of guest code on one goroutine: when to
// yield, how many polls to grant, whether the context's deadline has
// passed. The zero value is ready for Begin. Not safe for concurrent use.
type Pacer struct {
	deadline   int64 // nanotime of the context's deadline; 0 for none
	sliceStart int64 // nanotime at which the time slice began; 0 before the first visit
	grantedAt  int64 // nanotime of the last grant; 0 before the first visit
	grant      int64 // size of the last grant
	spinning   bool  // has visited: a spinning guest (yield.go)
	// fineTicks: while it spins, the run needs the epoch to advance at
	// every EpochTick (NeedEpochTicks).
	fineTicks bool
	inHost    bool // in a call out of the guest, not counted meanwhile
	// sliceEpoch is the epoch at which the time slice of a run with epoch
	// polls ends (epoch.go); epochDeadline is the code's deadline, the
	// earlier of that and the context's deadline in epochs, worked out
	// when either changes rather than at every return from the host.
	sliceEpoch, epochDeadline uint64
	// lane, when set, is the store's hold on its lanes (lanes.go): the
	// end of a slice is a turn in them rather than a plain yield, which
	// the run's context's cancellation (ctx) ends.
	lane *LaneUse
	// ctx is the run's context, whose cancellation ends a park for a
	// collection (gcpark.go); gcParked is the collection cycle the run
	// last parked in.
	ctx      context.Context
	gcParked uint64
}

// Begin starts pacing a run under ctx and returns the first grant. It
// reads no clock (a call costs tens of nanoseconds, and most calls never
// visit Go): the time slice starts at the first visit.
func (p *Pacer) Begin(ctx context.Context) int64 {
	p.deadline = 0
	if d, ok := ctx.Deadline(); ok {
		p.deadline = max(int64(d.Sub(clockBase)), 1)
	}
	p.sliceStart, p.grantedAt, p.grant = 0, 0, firstGrant
	p.spinning, p.inHost, p.fineTicks = false, false, false
	p.lane, p.ctx = nil, ctx
	return firstGrant
}

// NeedEpochTicks says, after Begin, Until and UseLanes and before the
// run's first visit, whether the run needs the epoch to advance at every
// EpochTick while it spins, rather than in coarse steps while the
// spinning guests leave a P free: when the Go runtime's preemption signal
// cannot reach its code (reachable false), whose polls then learn of the
// runtime's requests only at the ends of time slices; when it has a
// deadline, which the epoch's steps would make it notice up to a step
// late; and when it takes turns in CPU lanes, which count a slice for a
// TimeSlice at most.
func (p *Pacer) NeedEpochTicks(reachable bool) {
	p.fineTicks = !reachable || p.deadline != 0 || p.lane != nil
}

// Until makes t, when set, the run's deadline if it comes before the
// context's (a store's own deadline, Store.Deadline), after Begin.
func (p *Pacer) Until(t time.Time) {
	if t.IsZero() {
		return
	}
	if d := max(int64(t.Sub(clockBase)), 1); p.deadline == 0 || d < p.deadline {
		p.deadline = d
	}
}

// UseLanes makes the run's slice ends turns in the store's lanes (u.Lanes
// set), after Begin. A wait for a lane ends when the context Begin was
// given is done; its Done channel is asked for only then, as few runs
// ever wait (a cancelable context such as an HTTP request's makes the
// channel when first asked, and closes it when canceled: two costs per
// run that never wait, otherwise).
func (p *Pacer) UseLanes(u *LaneUse) {
	if u.Lanes != nil {
		p.lane = u
		u.begin()
	}
}

// End ends the run that Begin started.
func (p *Pacer) End() {
	if p.spinning && !p.inHost {
		addSpinning(-1, p.fineTicks)
	}
	p.spinning, p.inHost, p.fineTicks = false, false, false
	p.ctx = nil
}

// EnterHost and LeaveHost bracket a call out of the guest (a host function,
// another engine's function) and a wait for a lane. A guest waiting in the
// host, for I/O say, or for a lane holds no P, so it does not count among
// the spinning guests meanwhile.
func (p *Pacer) EnterHost() {
	if p.spinning && !p.inHost {
		addSpinning(-1, p.fineTicks)
	}
	p.inHost = true
}

// LeaveHost: see EnterHost.
func (p *Pacer) LeaveHost() {
	if p.spinning && p.inHost {
		addSpinning(1, p.fineTicks)
	}
	p.inHost = false
}

// countSpinning counts the run among the spinning guests at its first
// visit.
func (p *Pacer) countSpinning() {
	if !p.spinning {
		p.spinning = true
		addSpinning(1, p.fineTicks)
	}
}

// Current is the size of the last grant, for a run that resumes after a
// host call.
func (p *Pacer) Current() int64 { return p.grant }

// Visit is called when the code comes back to Go at a poll, having made
// used polls since the last grant. It yields the P when the time slice is
// over or the runtime asks for it, and returns the next grant, or late
// when the deadline has passed.
func (p *Pacer) Visit(used int64) (next int64, late bool) {
	now := nanotime()
	if p.deadline != 0 && now >= p.deadline {
		return 0, true
	}
	if p.grantedAt == 0 {
		// The first visit: the pace is not known yet.
		p.countSpinning()
		p.sliceStart, p.grantedAt = now, now
		if PreemptRequested() {
			p.yield(now)
		}
		return p.grant, false
	}
	elapsed := now - p.grantedAt
	if p.sliceOver(now) {
		now = p.yield(now)
		if p.deadline != 0 && now >= p.deadline {
			return 0, true // it waited for a lane until its deadline
		}
	}
	// Polls per period at the pace just measured, within maxGrowth of the
	// last grant.
	next = maxGrant
	rate := 0.0
	if elapsed > 0 {
		rate = float64(used) / float64(elapsed)
		next = int64(rate * float64(pollPeriod(sliceLength(now))))
	}
	next = max(min(next, maxGrowth*max(p.grant, 1), maxGrant), 1)
	p.grantedAt, p.grant = now, next
	return p.capToDeadline(next, now, rate), false
}

// sliceOver reports whether the goroutine should yield now: the runtime
// asks, or the time slice (yield.go) is over.
func (p *Pacer) sliceOver(now int64) bool {
	return PreemptRequested() || now-p.sliceStart >= sliceLength(now)
}

// yield lets the scheduler run other goroutines (yield.go), or parks
// while a collection marks (gcpark.go), or takes a turn in the store's
// lanes, and starts a new time slice; it returns the time.
func (p *Pacer) yield(now int64) int64 {
	if p.lane == nil {
		if after, parked := p.parkForGC(now); parked {
			p.sliceStart = after
			return after
		}
		p.sliceStart = yieldP()
		return p.sliceStart
	}
	p.EnterHost()
	p.lane.turn(p.ctx.Done(), p.deadline)
	p.LeaveHost()
	p.sliceStart = nanotime()
	return p.sliceStart
}

// capToDeadline shortens a grant that would run past the deadline at the
// measured rate (polls per nanosecond; 0 when unknown), so that the visit
// after it comes at the deadline.
func (p *Pacer) capToDeadline(grant, now int64, rate float64) int64 {
	if p.deadline == 0 || rate <= 0 {
		return grant
	}
	left := float64(p.deadline-now) * rate
	if left < float64(grant) {
		return max(int64(left), 1)
	}
	return grant
}

// Checkpoint is called between the chunks of a long operation in Go (a
// bulk memory or table operation). Memmove and memclr are assembly that
// the runtime cannot preempt, so the goroutine yields here when the runtime
// asks or the time slice is over. It reports whether the deadline has
// passed.
func (p *Pacer) Checkpoint() (late bool) {
	now := nanotime()
	if p.deadline != 0 && now >= p.deadline {
		return true
	}
	if p.sliceStart == 0 {
		p.countSpinning()
		p.sliceStart = now
	}
	if p.sliceOver(now) {
		now = p.yield(now)
	}
	return p.deadline != 0 && now >= p.deadline
}

// BeginEpoch starts the time slice of a run with epoch polls, after Begin,
// and returns the epoch deadline for the code (abi.CtxEpochDeadline). It
// reads the clock only when the context has a deadline.
func (p *Pacer) BeginEpoch() uint64 {
	if p.lane != nil && p.lane.laneFromFirstSlice() {
		// The run may need a lane once its first time slice is over (a
		// server's route whose calls have been spinning: Store.
		// SetCPULanesAfter under a slice): it counts among the spinning guests from
		// its start, which makes the ticker tick, so that its first slice
		// is one slice and not the 1-2 coarse steps of firstSliceTicks. An
		// endless loop there would otherwise run a millisecond or two
		// unchecked before its first turn in a lane, which at a few
		// hundred such requests a second is a good part of a CPU,
		// whatever the lanes' duty.
		p.countSpinning()
		p.sliceEpoch = Epoch() + sliceTicks
		return p.newEpochDeadline()
	}
	p.sliceEpoch = Epoch() + firstSliceTicks()
	return p.newEpochDeadline()
}

// firstSliceTicks is a run's first time slice in ticks. While no run spins,
// the ticker steps epochStepTicks at a time (coarse or calm steps), and the
// epoch the run reads may be about to step: a slice of sliceTicks would end
// at that step, a moment after the run began, and a run of microseconds
// that the kernel kept waiting across it (common on a busy machine) would
// count among the spinning guests, set the ticker ticking for nothing and
// end a calm stretch. So the first slice ends at the step after, 1-2 steps
// away.
func firstSliceTicks() uint64 {
	if atomic.LoadInt32(&spinning) == 0 {
		return max(sliceTicks, atomic.LoadUint64(&epochStepTicks)+1)
	}
	return sliceTicks
}

// EpochDeadline is the deadline for the code of a run with epoch polls:
// the end of the time slice, or the context's deadline when that comes
// first.
func (p *Pacer) EpochDeadline() uint64 { return p.epochDeadline }

// newEpochDeadline works out EpochDeadline again. An epoch may be up to a
// step stale (epochCoarseTicks), which makes the context's deadline in
// epochs come early, never late: the visit then finds the time not up and
// sets it again.
func (p *Pacer) newEpochDeadline() uint64 {
	p.epochDeadline = p.sliceEpoch
	if p.deadline != 0 {
		now := nanotime()
		p.epochDeadline = min(p.sliceEpoch, epochAfter(Epoch(), time.Duration(p.deadline-now)))
	}
	return p.epochDeadline
}

// VisitEpoch is Visit for a run with epoch polls, whose code comes back
// when the epoch reaches its deadline, when the runtime asks, or when
// poked. It yields the P when the time slice is over or the runtime asks,
// and returns the next deadline, or late when the context's deadline has
// passed.
func (p *Pacer) VisitEpoch() (next uint64, late bool) {
	now := nanotime()
	if p.deadline != 0 && now >= p.deadline {
		return 0, true
	}
	p.countSpinning()
	epoch := Epoch()
	if PreemptRequested() || epoch >= p.sliceEpoch {
		now = p.yield(now)
		if p.deadline != 0 && now >= p.deadline {
			return 0, true // it waited for a lane until its deadline
		}
		p.sliceEpoch = Epoch() + sliceTicksAt(now)
	} else if epoch < p.epochDeadline && p.lane == nil {
		// The code came back before its deadline: the Go runtime's
		// preemption signal zeroed it (a stop of the world or a stack
		// scan, which a collection starts with), or a cancellation. A
		// collection that marks gets the P at once.
		if after, parked := p.parkForGC(now); parked {
			p.sliceStart = after
			p.sliceEpoch = Epoch() + sliceTicksAt(after)
		}
	}
	return p.newEpochDeadline(), false
}
