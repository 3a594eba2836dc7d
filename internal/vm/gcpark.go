package vm

import (
	"runtime"
	"runtime/metrics"
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
// the runtime's) while a collection marks parks instead of yielding,
// until the cycle is swept or gcParkMax has passed, once per cycle: its P
// then runs an idle mark worker, which marks at the full speed of the CPU
// until the work is done. The mark work is the same; it is done in a
// fraction of the time, on the guests' time rather than beside them. A
// guest parks at most gcParkMax per cycle, so a heap whose marking takes
// longer still lets the guests run three quarters of the time, as Go's
// own pacing would; and a parked guest still ends at its context's
// cancellation or deadline.
//
// Whether a collection is marking comes from runtime/metrics: the number
// of completed cycles (counted at mark termination) and the CPU time of
// the collector's stops of the world (added at the end of each, sweep
// termination's included, and by nothing else). The stops' time has grown
// since the cycle count last changed exactly while a cycle has started
// and not finished marking. Reading both costs about 100 ns, once per
// crowded slice end.

// gcParkMax bounds how long a guest parks in one collection cycle (a
// variable for tests).
var gcParkMax = time.Millisecond

// gcMarkingNow is gcMarking (a variable for tests).
var gcMarkingNow = gcMarking

// gcWatch is the collector's state as the guests last read it.
var gcWatch struct {
	mu      sync.Mutex // guards the fields below; TryLock'ed
	samples [2]metrics.Sample
	cycles  uint64  // completed cycles at the last read
	pauses  float64 // the stops' CPU seconds when cycles last changed
	// marking is the last read's answer, for readers that found mu
	// held; cycle is the cycle in progress (cycles+1).
	marking atomic.Bool
	cycle   atomic.Uint64
}

// gcMarking reports whether a collection is marking and which cycle it is
// (counted from 1).
func gcMarking() (marking bool, cycle uint64) {
	w := &gcWatch
	if !w.mu.TryLock() {
		// Another guest is reading: its answer is as good.
		return w.marking.Load(), w.cycle.Load()
	}
	defer w.mu.Unlock()
	if w.samples[0].Name == "" {
		w.samples[0].Name = "/gc/cycles/total:gc-cycles"
		w.samples[1].Name = "/cpu/classes/gc/pause:cpu-seconds"
		metrics.Read(w.samples[:])
		// A cycle marking now is taken for one that has not started:
		// the base is this moment's.
		w.cycles, w.pauses = w.samples[0].Value.Uint64(), w.samples[1].Value.Float64()
		armGCSentinel()
	}
	metrics.Read(w.samples[:])
	cycles, pauses := w.samples[0].Value.Uint64(), w.samples[1].Value.Float64()
	if cycles != w.cycles {
		// Marking ended since the last read (mark termination counts the
		// cycle, and its stop is in pauses already: nothing reads the
		// metrics while the world is stopped).
		w.cycles, w.pauses = cycles, pauses
	}
	marking = pauses > w.pauses
	w.marking.Store(marking)
	w.cycle.Store(cycles + 1)
	return marking, cycles + 1
}

// The end of a cycle, as a channel closed when it has been swept: a
// sentinel object, unreachable from its allocation, whose cleanup closes
// the channel and makes the next sentinel. A sentinel made while no
// collection marks is freed by the next cycle, whose sweep queues its
// cleanup. The cleanup needs a P, which the parked guests leave free.
var gcEnd struct {
	mu    sync.Mutex
	ch    chan struct{}
	armed bool
}

// gcSentinel is of the largest small size class: the sweep goes through
// the spans by size class, so it reaches the sentinel's last and the
// guests stay parked while the caller of runtime.GC and the background
// sweeper sweep the rest, which they do in turns at the guests' yields
// otherwise. (It holds no pointer: the tiny allocator, which may keep an
// object alive with others in its block, takes only objects of under 16
// bytes.)
type gcSentinel [32 << 10]byte

// armGCSentinel makes the first sentinel, once.
func armGCSentinel() {
	gcEnd.mu.Lock()
	defer gcEnd.mu.Unlock()
	if !gcEnd.armed {
		gcEnd.armed = true
		runtime.AddCleanup(new(gcSentinel), gcSwept, 0)
	}
}

// gcSwept is the sentinel's cleanup: the cycle is over. It also reads the
// collector's state, so that the watch sees the cycle's end before the
// next cycle starts: read only after that, the next cycle's first stop
// would be taken into the base, and that cycle's marking missed (a guest
// reads at the end of its slices, and runtime.GC() called in a loop
// starts the next cycle as soon as the last is swept).
func gcSwept(int) {
	gcEnd.mu.Lock()
	if gcEnd.ch != nil {
		close(gcEnd.ch)
		gcEnd.ch = nil
	}
	runtime.AddCleanup(new(gcSentinel), gcSwept, 0)
	gcEnd.mu.Unlock()
	gcMarking()
}

// gcSweptChan is closed when the cycle in progress has been swept.
func gcSweptChan() <-chan struct{} {
	gcEnd.mu.Lock()
	defer gcEnd.mu.Unlock()
	if gcEnd.ch == nil {
		gcEnd.ch = make(chan struct{})
	}
	return gcEnd.ch
}

// parkForGC parks the run's goroutine while a collection marks and the
// guests crowd the Ps, once per cycle: until the cycle is swept,
// gcParkMax has passed, the context is done or its deadline has come. It
// reports whether it parked, and returns the time after.
func (p *Pacer) parkForGC(now int64) (after int64, parked bool) {
	if !crowded(now) {
		return now, false
	}
	marking, cycle := gcMarkingNow()
	if !marking || p.gcParked == cycle {
		return now, false
	}
	p.gcParked = cycle
	wait := int64(gcParkMax)
	if p.deadline != 0 {
		wait = min(wait, p.deadline-now)
	}
	if wait <= 0 {
		return now, false
	}
	armGCSentinel()
	swept := gcSweptChan()
	var done <-chan struct{}
	if p.ctx != nil {
		done = p.ctx.Done()
	}
	t := time.NewTimer(time.Duration(wait))
	select {
	case <-swept:
	case <-done:
	case <-t.C:
	}
	t.Stop()
	gcMarkingNow() // as in gcSwept
	return nanotime(), true
}
