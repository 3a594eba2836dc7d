package gcheap_test

import (
	"runtime"
	"testing"

	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestGrowAllocatesNoSideTables: on Linux the side tables (lines, start
// and mark bitmaps: 1/32 of the arena) are mapped with the arena, so a
// heap that grows by 512 MiB for one array takes a few bytes per block
// from the Go heap, not the 20 MiB of side tables it cleared at once,
// which nothing could interrupt; nor does a second array of the same
// size, which collects the first and takes its blocks. (The bound leaves
// room for what else the process allocates meanwhile: TotalAlloc counts
// every goroutine's.)
func TestGrowAllocatesNoSideTables(t *testing.T) {
	const n = 512 << 20
	h, ids := newHeap(t, 1<<30)
	defer h.Close()
	h.Roots = func(*gcheap.Marker) {}
	size := gcheap.ArraySize(n, 1)
	hdr := uint64(ids[1]) | uint64(n)<<32
	for i, limit := range []uint64{64 << 10, 64 << 10} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := h.Alloc(size, hdr); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > limit {
			t.Errorf("array %d: allocating %d MiB took %d bytes of Go heap, want at most %d", i, n>>20, got, limit)
		}
	}
	if got := h.Stats().Collections; got != 2 {
		t.Errorf("%d collections, want 2 (one before each array)", got)
	}
	checkVerify(t, h)
}
