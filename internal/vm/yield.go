package vm

import (
	"runtime"
	"sync/atomic"
	"time"
)

// How a guest yields. A goroutine that becomes runnable while every P runs
// a guest (a garbage collection's mark worker, the goroutine that called
// runtime.GC, a timer's or a cancellation's goroutine) gets a P only when a
// guest yields, so the time slice bounds its wait; and a collection needs
// many such turns: the caller of runtime.GC sweeps one span and yields, the
// background sweeper ten, a fractional mark worker runs for a quarter of
// the time at most. So:
//
//   - while spinning guests are at least as many as the Ps (crowded), a
//     slice is CrowdedSlice: nothing else can get a P in between, and a
//     yield with no idle P to wake costs a few hundred nanoseconds;
//     otherwise it is TimeSlice: some P runs Go code that the scheduler
//     preempts on its own, and a yield that wakes an idle P costs more;
//   - a crowded guest whose yield came back late (another goroutine ran in
//     between) yields again, as long as each yield comes back late and for
//     yieldBudget at most: a goroutine that runs briefly and yields again
//     (the sweepers) then takes many turns at one of the guest's yields
//     instead of one, while a goroutine that does not come back at once
//     (another guest, a mark worker) ends it after one yield.

// CrowdedSlice is the time slice while guests crowd the Ps.
const CrowdedSlice = 50 * time.Microsecond

// lateYield is how long a yield takes when another goroutine ran in
// between: a yield that comes straight back takes 0.1-0.5 µs.
const lateYield = time.Microsecond

// yieldBudget bounds how long a guest keeps yielding to goroutines that
// yield back.
const yieldBudget = 20 * time.Microsecond

// spinning counts the runs that have come back to Go at a poll at least
// once (Pacer.Visit and kin): the guests that run long. A run that ends
// before its first grant runs out never touches it.
var spinning atomic.Int32

// procs caches runtime.GOMAXPROCS(0) (which takes the scheduler's lock; 0
// before the first read), read again every procsRefresh by whichever guest
// notices first.
var (
	procs       atomic.Int32
	procsReadAt atomic.Int64
)

const procsRefresh = 10 * time.Millisecond

// crowded reports whether spinning guests are at least as many as the Ps
// at now.
func crowded(now int64) bool {
	n := procs.Load()
	if n == 0 || now-procsReadAt.Load() >= int64(procsRefresh) {
		n = int32(runtime.GOMAXPROCS(0))
		procs.Store(n)
		procsReadAt.Store(now)
	}
	return spinning.Load() >= n
}

// sliceLength is the time slice at now.
func sliceLength(now int64) int64 {
	if crowded(now) {
		return int64(CrowdedSlice)
	}
	return int64(TimeSlice)
}

// sliceTicksAt is the time slice at now in epoch ticks: crowded, it ends
// at the next tick (on average half a tick away).
func sliceTicksAt(now int64) uint64 {
	if crowded(now) {
		return 1
	}
	return sliceTicks
}

// SpinningGuests is the number of runs in progress that have come back to
// Go at a poll: the guests that run long.
func SpinningGuests() int { return int(spinning.Load()) }

// yieldP lets the scheduler run other goroutines and returns the time
// after. Crowded, it yields again while yields come back late.
func yieldP() int64 {
	start := nanotime()
	runtime.Gosched()
	now := nanotime()
	if !crowded(now) {
		return now
	}
	return yieldWhileLate(start, now, runtime.Gosched, nanotime)
}

// yieldWhileLate yields again while the last yield (from last to now) took
// more than lateYield, until yieldBudget after start, and returns the time
// after the last.
func yieldWhileLate(start, now int64, yield func(), clock func() int64) int64 {
	for last := start; now-last > int64(lateYield) && now-start < int64(yieldBudget); {
		last = now
		yield()
		now = clock()
	}
	return now
}
