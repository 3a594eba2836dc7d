//go:build !amd64 && !arm64

package vm

import (
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Without assembly to read the runtime's write barrier flag
// (gcwatch_flag.go), whether a collection marks comes from
// runtime/metrics: the number of completed cycles (counted at mark
// termination) and the CPU time of the collector's stops of the world
// (added at the end of each, sweep termination's included, and by nothing
// else). The stops' time has grown since the cycle count last changed
// exactly while a cycle has started and not finished marking, provided
// that some read came between the end of one cycle's marking and the start
// of the next: the first read after a cycle's end takes its base from that
// moment, and would take a next cycle's first stop into it. Reading both
// costs about 100 ns.

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

// gcMarking reports whether a collection is marking and, if so, which
// cycle it is (counted from 1).
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

// gcCyclesDone is the number of cycles that have finished marking. It
// reads the state as gcMarking does, so that the sentinel's cleanup
// (gcSwept) takes the base between two cycles.
func gcCyclesDone() uint64 {
	_, cycle := gcMarking()
	return cycle - 1
}

// gcWatchExact: gcMarking reads runtime/metrics, which needs a read
// between two cycles.
const gcWatchExact = false

// writeBarrierOn is not available: tests that need it skip.
func writeBarrierOn() bool { return false }
