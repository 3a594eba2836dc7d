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
// sentinel's cleanup, below), its context is done or its deadline comes,
// and for gcParkMax at most. Marking that takes longer than a millisecond
// (a loaded machine, whose other processes take the CPUs from the mark
// workers as from everything else) keeps the guests parked: released
// after a fixed millisecond, they took the CPUs back and the rest of the
// mark ran at a quarter of its speed. Only a heap whose marking takes
// longer than gcParkMax lets them run again before it is done, three
// quarters of the time, as Go's own pacing would.
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
// marking), gcParkMax has passed, the context is done or its deadline has
// come. It reports whether it parked, and returns the time after.
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

// awaitSweep blocks until swept or done is closed, limit comes, or, with
// checkMarking, the check after the one that finds cycle done marking.
func awaitSweep(cycle uint64, swept, done <-chan struct{}, now, limit int64, checkMarking bool) {
	next := func() time.Duration {
		if !checkMarking {
			return time.Duration(limit - now)
		}
		return time.Duration(min(int64(gcParkCheck), limit-now))
	}
	t := time.NewTimer(next())
	defer t.Stop()
	for marked := false; ; {
		select {
		case <-swept:
			return
		case <-done:
			return
		case <-t.C:
		}
		now = nanotime()
		if marked || now >= limit {
			return
		}
		// Seen done marking, the guest leaves the sweep a check's
		// time to reach the sentinel with the Ps free.
		m, c := gcMarkingNow()
		marked = !m || c != cycle
		t.Reset(next())
	}
}

// gcParks counts the parks for collections, for tests.
var gcParks atomic.Uint64

// GCParks is how many times guests have parked while a collection marked.
func GCParks() uint64 { return gcParks.Load() }
