package compiler

import "testing"

// TestWorkerMemoryBounded: at most cap(spareWorkerMemory) sets are kept,
// and never one that compiled a body over keepBodyLimit.
func TestWorkerMemoryBounded(t *testing.T) {
	for len(spareWorkerMemory) > 0 {
		<-spareWorkerMemory
	}
	var sets []*workerMemory
	for range cap(spareWorkerMemory) + 2 {
		sets = append(sets, takeWorkerMemory())
	}
	huge := sets[0]
	huge.largest = keepBodyLimit + 1
	for _, w := range sets {
		keepWorkerMemory(w)
	}
	if n := len(spareWorkerMemory); n != cap(spareWorkerMemory) {
		t.Fatalf("kept %d sets, want %d", n, cap(spareWorkerMemory))
	}
	for range cap(spareWorkerMemory) {
		if w := takeWorkerMemory(); w == huge {
			t.Fatal("kept the memory of a body over keepBodyLimit")
		}
	}
	if w := takeWorkerMemory(); w == nil || w.sc == nil {
		t.Fatal("no fresh worker memory when none is kept")
	}
}
