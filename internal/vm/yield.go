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
//     between) yields again, as long as each yield comes back late, no
//     other guest ran in it, and for yieldBudget at most: a goroutine that
//     runs briefly and yields again (the sweepers) then takes many turns at
//     one of the guest's yields instead of one, while a goroutine that does
//     not come back at once (another guest, a mark worker) ends it after
//     one yield.

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
// before its first grant runs out never touches it. The epoch's ticker
// reads it too (a plain int32 for the assembly: epoch_linux_amd64.s), and
// ticks at every EpochTick only while it reaches epochProcs or
// epochFineRuns is not 0 (epoch.go).
var spinning int32

// addSpinning adds d to the spinning runs, and to epochFineRuns too when
// fine (the run needs every tick of the epoch while it spins). A run that
// starts to spin cuts the ticker's coarse step short when it makes the
// guests crowd the Ps or needs every tick itself.
func addSpinning(d int32, fine bool) {
	if fine {
		atomic.AddInt32(&epochFineRuns, d)
	}
	n := atomic.AddInt32(&spinning, d)
	if d > 0 && (fine || n >= atomic.LoadInt32(&epochProcs)) {
		epochSpinning()
	}
}

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
		atomic.StoreInt32(&epochProcs, n)
	}
	return atomic.LoadInt32(&spinning) >= n
}

// sliceLength is the time slice at now.
func sliceLength(now int64) int64 {
	if crowded(now) {
		return int64(CrowdedSlice)
	}
	return int64(TimeSlice)
}

// sliceTicksAt is the time slice at now in epoch ticks: crowded, it ends
// at the next tick (a whole tick away, as slices end at ticks).
func sliceTicksAt(now int64) uint64 {
	if crowded(now) {
		return 1
	}
	return sliceTicks
}

// SpinningGuests is the number of runs in progress that have come back to
// Go at a poll: the guests that run long.
func SpinningGuests() int { return int(atomic.LoadInt32(&spinning)) }

// guestResumes counts the yields of guests that have come back: a guest
// sees from it whether another guest got a P during its own yield.
var guestResumes atomic.Uint64

// yieldP lets the scheduler run other goroutines and returns the time
// after. Crowded, it yields again while yields come back late and no other
// guest ran meanwhile.
func yieldP() int64 {
	start := nanotime()
	now, guestRan := yieldOnce()
	if guestRan || !crowded(now) {
		return now
	}
	return yieldWhileLate(start, now, yieldOnce)
}

// yieldOnce yields and returns the time after and whether another guest
// came back from a yield meanwhile.
func yieldOnce() (now int64, guestRan bool) {
	before := guestResumes.Load()
	runtime.Gosched()
	after := guestResumes.Add(1)
	return nanotime(), after-before > 1
}

// yieldWhileLate yields again while the last yield (from last to now) took
// more than lateYield and no other guest ran in it, until yieldBudget after
// start, and returns the time after the last. Two guests whose slices end
// at the same tick would otherwise hand their Ps to each other back and
// forth for the whole budget.
func yieldWhileLate(start, now int64, yield func() (int64, bool)) int64 {
	for last := start; now-last > int64(lateYield) && now-start < int64(yieldBudget); {
		last = now
		var guestRan bool
		if now, guestRan = yield(); guestRan {
			break
		}
	}
	return now
}
