package gcheap_test

import (
	"testing"
	"time"

	"github.com/moat-run/moat/internal/cpuclock"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestPauseCPULeavesOutYield: a collection's CPU time (Stats.PausesCPU)
// is its own work's. Its goroutine is not locked to its thread, so what
// runs in Yield (here: Yield itself burning 10 ms of the thread's CPU
// time at each of the yields between the 1 MiB chunks of a 4 MiB array
// given back) is left out, and the pause's CPU time is no more
// than its wall time.
func TestPauseCPULeavesOutYield(t *testing.T) {
	h, ids := newHeap(t, 64<<20)
	h.Roots = func(*gcheap.Marker) {}
	const burn = 10 * time.Millisecond
	yields := 0
	h.Yield = func() bool {
		yields++
		for start := threadCPU(t); threadCPU(t)-start < burn; {
		}
		return false
	}
	const n = 4 << 20
	o, err := h.Alloc(gcheap.ArraySize(n, 1), uint64(ids[1])|uint64(n)<<32)
	if err != nil {
		t.Fatal(err)
	}
	clear(h.Bytes()[o+gcheap.HeaderSize : o+gcheap.ArraySize(n, 1)]) // resident, as a guest's array is
	before := h.Stats().Collections
	yields = 0
	h.Collect() // nothing is live: the array's blocks go back
	s := h.Stats()
	if yields < 3 || s.Collections != before+1 {
		t.Fatalf("the collection yielded %d times, want 3 or more", yields)
	}
	last := len(s.Pauses) - 1
	if cpu, wall := s.PausesCPU[last], s.Pauses[last]; cpu >= burn || cpu > wall {
		t.Errorf("the pause counted %v of CPU time in %v: Yield burned %v at each of its %d calls", cpu, wall, burn, yields)
	}
	checkVerify(t, h)
}

func threadCPU(t *testing.T) time.Duration {
	d, ok := cpuclock.Thread()
	if !ok {
		t.Fatal("the thread's CPU clock could not be read")
	}
	return d
}
