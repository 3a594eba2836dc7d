package vm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Giving the garbage collector's mark phase the CPUs. With GOMAXPROCS=2
// the runtime runs no dedicated mark worker, only fractional ones, each
// allowed a quarter of its P's time (a bit more, then it stops itself),
// and idle ones that run only on a P with nothing else to do. While
// guests crowd the Ps no P is ever idle, so a collection's mark phase
// takes at least four times its work, however often the guests yield: a
// yield puts the guest back in the run queue, which the scheduler serves
// before an idle worker. That was most of what runtime.GC() took beyond
// an idle one with guests spinning (bench/cmd/gcphases).
//
// So a crowded guest that reaches the end of its slice (or a request of
// the runtime's) while a collection marks parks instead of yielding, once
// per cycle: its P then runs an idle mark worker, which marks at the full
// speed of the CPU until the work is done. The mark work is the same; it
// is done in a fraction of the time, on the guests' time rather than
// beside them. The guest stays parked until its cycle's sweep is done (a
// sentinel's cleanup, below) or the next cycle marks, its context is done
// or its deadline comes, and for gcParkMax at most. Marking that takes longer than a millisecond
// (a loaded machine, whose other processes take the CPUs from the mark
// workers as from everything else) keeps the guests parked: released
// after a fixed millisecond, they took the CPUs back and the rest of the
// mark ran at a quarter of its speed. Only a heap whose marking takes
// longer than gcParkMax lets them run again before it is done, three
// quarters of the time, as Go's own pacing would.
//
// Between mark termination and the sweep's end, one parked guest takes
// turns on a P and gives its thread's CPU away at each (handOver), so that
// the thread that finishes mark termination is not left queued behind the
// spinning caller of runtime.GC() on the CPU until the kernel's next tick.
//
// Whether a collection is marking comes from gcMarking (gcwatch*.go).

// gcParkMax bounds how long a guest parks in one collection cycle: the
// Go scheduler's own time slice, the longest a goroutine that wants a P
// waits for one that runs plain Go code (a variable for tests).
var gcParkMax = 10 * time.Millisecond

// gcParkCheck is how often a parked guest looks whether marking has
// ended when its cycle's sweep will not wake it (the sentinel was made
// while that cycle marked); it comes back at the check after the one that
// saw marking over.
const gcParkCheck = time.Millisecond

// gcMarkingNow is gcMarking (a variable for tests).
var gcMarkingNow = gcMarking

// The end of a cycle, as a channel closed when it has been swept: a
// sentinel object, unreachable from its allocation, whose cleanup closes
// the channel and makes the next sentinel. A sentinel made while no
// collection marks is freed by the next cycle, whose sweep queues its
// cleanup; the runtime runs the cleanups queued in a sweep once that sweep
// is done (unless its queue fills a block first). The cleanup needs a P,
// which the parked guests leave free; one that ran late, while the next
// cycle marks, wakes no guest parked for that cycle: the channel belongs
// to a cycle, and the cleanup closes it only once that cycle has finished
// marking.
var gcEnd struct {
	mu    sync.Mutex
	ch    chan struct{}
	cycle uint64 // the cycle ch belongs to
	armed atomic.Bool
	// handing is set while a parked guest hands its thread over
	// (handOver), which one guest does at a time.
	handing atomic.Bool
	// freedBy is the cycle whose sweep frees the current sentinel: the
	// next, or the one after when it was made while a cycle marked (it
	// is then marked itself).
	freedBy atomic.Uint64
}

// gcSentinel is of the largest small size class: the sweep goes through
// the spans by size class, so it reaches the sentinel's last, and even a
// process whose own cleanups fill a block of the queue mid-sweep keeps the
// guests parked while the caller of runtime.GC and the background sweeper
// sweep the rest, which they do in turns at the guests' yields otherwise.
// (It holds no pointer: the tiny allocator, which may keep an object alive
// with others in its block, takes only objects of under 16 bytes.)
type gcSentinel [32 << 10]byte

// armGCSentinel makes the first sentinel, once: at the first end of a
// crowded slice, so that it is there, most likely made outside any cycle's
// marking, before the first collection that the guests park for (a
// sentinel made while a cycle marks survives that cycle).
func armGCSentinel() {
	if gcEnd.armed.Load() {
		return
	}
	gcEnd.mu.Lock()
	defer gcEnd.mu.Unlock()
	if !gcEnd.armed.Load() {
		gcEnd.armed.Store(true)
		newGCSentinel()
		gcSweepHint()
	}
}

// newGCSentinel makes a sentinel, whose cleanup is gcSwept. Marking seen
// before or after its allocation counts it as made while marking: a cycle
// that started in between would have marked it.
func newGCSentinel() {
	marking, cycle := gcMarking()
	freedBy := gcCyclesDone() + 1
	if marking {
		freedBy = cycle + 1
	}
	sentinel := new(gcSentinel)
	if marking, cycle := gcMarking(); marking {
		freedBy = max(freedBy, cycle+1)
	}
	gcEnd.freedBy.Store(freedBy)
	runtime.AddCleanup(sentinel, gcSwept, 0)
}

// gcSwept is the sentinel's cleanup: a cycle is over.
func gcSwept(int) {
	done := gcCyclesDone() // the cycles that have finished marking
	gcEnd.mu.Lock()
	defer gcEnd.mu.Unlock()
	if gcEnd.ch != nil && gcEnd.cycle <= done {
		close(gcEnd.ch)
		gcEnd.ch = nil
	}
	newGCSentinel()
}

// gcSweptChan is closed when cycle has been swept (or a later cycle has
// begun to be parked for).
func gcSweptChan(cycle uint64) <-chan struct{} {
	gcEnd.mu.Lock()
	defer gcEnd.mu.Unlock()
	if gcEnd.ch != nil && gcEnd.cycle < cycle {
		// Its guests' cycle is over; they would come back at their
		// time limit.
		close(gcEnd.ch)
		gcEnd.ch = nil
	}
	if gcEnd.ch == nil {
		gcEnd.ch, gcEnd.cycle = make(chan struct{}), cycle
	}
	return gcEnd.ch
}

// parkForGC parks the run's goroutine while a collection marks and the
// guests crowd the Ps, once per cycle: until the cycle is swept (or, when
// the sweep will not wake it, a gcParkCheck after it has finished
// marking), the next cycle marks, gcParkMax has passed, the context is
// done or its deadline has come. It reports whether it parked, and returns
// the time after.
func (p *Pacer) parkForGC(now int64) (after int64, parked bool) {
	if !crowded(now) {
		return now, false
	}
	armGCSentinel()
	marking, cycle := gcMarkingNow()
	if !marking || p.gcParked == cycle {
		return now, false
	}
	p.gcParked = cycle
	limit := now + int64(gcParkMax)
	if p.deadline != 0 {
		limit = min(limit, p.deadline)
	}
	if limit <= now {
		return now, false
	}
	swept := gcSweptChan(cycle)
	var done <-chan struct{}
	if p.ctx != nil {
		done = p.ctx.Done()
	}
	// A sentinel that this cycle's sweep frees wakes the guest when the
	// sweep is done; otherwise it looks whether marking is over.
	checkMarking := gcEnd.freedBy.Load() > cycle
	awaitSweep(cycle, swept, done, now, limit, checkMarking)
	gcParks.Add(1)
	return nanotime(), true
}

// awaitSweep blocks until swept or done is closed, limit comes or the
// next cycle marks. While cycle marks, it looks every gcMarkPoll whether
// marking is over (a timer that comes due while the idle mark workers
// hold the Ps fires when one of them lets its P go, at mark termination at
// the latest), and when the sweep's hint wakes it (gchint.go). Once cycle
// has finished marking, one guest hands the thread over (handOver) until
// the sweep is done; the others stay blocked, looking every gcMarkPoll
// whether the next cycle marks. With checkMarking (no sweep wakes the
// guests), the park ends a gcParkCheck after marking is seen over.
func awaitSweep(cycle uint64, swept, done <-chan struct{}, now, limit int64, checkMarking bool) {
	hint := gcSweepHint()
	t := time.NewTimer(time.Duration(min(int64(gcMarkPoll), limit-now)))
	defer t.Stop()
	for {
		select {
		case <-swept:
			return
		case <-done:
			return
		case <-t.C:
		case <-hint:
			hint = gcSweepHint()
		}
		now = nanotime()
		if now >= limit {
			return
		}
		m, c := gcMarkingNow()
		if !m {
			break
		}
		if c != cycle {
			return // a later cycle marks: the guest parks for it in turn
		}
		t.Reset(time.Duration(min(int64(gcMarkPoll), limit-now)))
	}
	if checkMarking {
		limit = min(limit, now+int64(gcParkCheck))
	}
	if gcEnd.handing.CompareAndSwap(false, true) {
		over := handOver(swept, done, limit)
		gcEnd.handing.Store(false)
		if now = nanotime(); over || now >= limit {
			return
		}
	}
	// A guest still parked when the next cycle starts marking (its
	// runtime.GC() called right after this one returned, before the
	// sentinel's cleanup has run) comes back to park for that cycle.
	for {
		t.Reset(time.Duration(min(int64(gcMarkPoll), limit-now)))
		select {
		case <-swept:
			return
		case <-done:
			return
		case <-t.C:
		}
		if now = nanotime(); now >= limit {
			return
		}
		if m, _ := gcMarkingNow(); m {
			return
		}
	}
}

// gcMarkPoll is how often a parked guest looks whether its cycle's
// marking is over.
const gcMarkPoll = 50 * time.Microsecond

// handOver keeps giving the thread's CPU away until swept or done is
// closed, the next cycle marks, limit comes or gcHandOverMax has passed;
// it reports whether the park is over (one of the first three).
//
// Between mark termination and the sweep's end the caller of runtime.GC()
// goes round runtime.Gosched waiting for the sweep to count as done, which it does only once the mark worker that
// ran mark termination has flushed every P's caches: that worker's thread,
// woken or preempted while the caller's thread spins on the same CPU,
// waited for the kernel's next tick (4 ms at 250 Hz) with both guests
// parked (perf sched: the spinning thread kept the CPU 4.9 ms while the
// worker's was runnable on it). A guest that takes its turns among the
// caller's and yields the CPU (osYield) at each lets that thread run at
// once; with nothing else queued on the CPU, a turn costs a system call.
//
// It stops yielding the CPU once the runtime asks for the P (a stop of the
// world) or the next cycle marks: the runtime.GC() that follows another
// may start before the sentinel's cleanup has run, and a thread that gave
// its CPU away on a loaded machine may wait milliseconds for it while its
// goroutine holds the P the stop waits for.
func handOver(swept, done <-chan struct{}, limit int64) (over bool) {
	limit = min(limit, nanotime()+int64(gcHandOverMax))
	for nanotime() < limit {
		select {
		case <-swept:
			return true
		case <-done:
			return true
		default:
		}
		if PreemptRequested() {
			return false
		}
		if marking, _ := gcMarkingNow(); marking {
			return true // the guest parks for it in turn
		}
		gcHandOvers.Add(1)
		osYield()
		runtime.Gosched()
	}
	return false
}

// gcHandOverMax bounds a guest's handOver: the mark worker's last steps
// take tens of microseconds once its thread has a CPU.
const gcHandOverMax = time.Millisecond

// gcParks counts the parks for collections, for tests.
var gcParks atomic.Uint64

// GCParks is how many times guests have parked while a collection marked.
func GCParks() uint64 { return gcParks.Load() }

// gcHandOvers counts handOver's turns, for tests.
var gcHandOvers atomic.Uint64

// GCHandOvers is how many turns parked guests have taken handing their
// threads over after a collection's marking.
func GCHandOvers() uint64 { return gcHandOvers.Load() }
