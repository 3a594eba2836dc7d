//go:build amd64 || arm64

package vm

import (
	"runtime/metrics"
	"sync"
)

// Whether a collection marks is the Go runtime's own answer: its write
// barrier is enabled exactly while a cycle marks (runtime.setGCPhase turns
// it on at sweep termination and off at mark termination, both with the
// world stopped), and every Go function that stores a pointer reads the
// same flag before the store. Reading it is one load, exact at any moment:
// a watch of runtime/metrics (the stops of the world's CPU time since the
// cycle count last changed) took its base from the first read after a
// cycle's end, and missed the whole of the next cycle's marking whenever
// no read came between the two (a guest that held the watch while its
// thread waited for a CPU; a process's first collection). The cycle's
// number comes from runtime/metrics, read only while marking.

// writeBarrierOn reports whether the runtime's write barrier is enabled
// (gcwatch_amd64.s, gcwatch_arm64.s).
func writeBarrierOn() bool

// gcCycles reads the completed cycles.
var gcCycles struct {
	mu     sync.Mutex
	sample [1]metrics.Sample // kept: a sample on the stack would escape
}

// gcCyclesDone is the number of cycles that have finished marking
// (counted at mark termination).
func gcCyclesDone() uint64 {
	c := &gcCycles
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sample[0].Name = "/gc/cycles/total:gc-cycles"
	metrics.Read(c.sample[:])
	return c.sample[0].Value.Uint64()
}

// gcMarking reports whether a collection is marking and, if so, which
// cycle it is (counted from 1).
func gcMarking() (marking bool, cycle uint64) {
	if !writeBarrierOn() {
		return false, 0
	}
	done := gcCyclesDone()
	if !writeBarrierOn() {
		// Marking ended while the count was read, which may count it.
		return false, 0
	}
	return true, done + 1
}

// gcWatchExact: gcMarking reads the runtime's own flag.
const gcWatchExact = true
