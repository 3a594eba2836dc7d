package gcheap_test

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestLargeAllocationKeepsFreedRun: a large allocation that collects
// takes the first run of blocks the collection freed that holds it
// without the run being given back to the kernel and faulted in again:
// its pages stay resident and read as zero; the freed blocks it does not
// need are given back.
func TestLargeAllocationKeepsFreedRun(t *testing.T) {
	h, ids := newHeap(t, 256<<20)
	var keep []uint64
	h.Roots = func(m *gcheap.Marker) { m.Words(keep) }
	h.Yield = func() bool { return false }
	alloc := func(n uint32) (uint64, []byte) {
		t.Helper()
		o, err := h.Alloc(gcheap.ArraySize(n, 1), uint64(ids[1])|uint64(n)<<32)
		if err != nil {
			t.Fatal(err)
		}
		return o, h.Bytes()[o+gcheap.HeaderSize : o+gcheap.ArraySize(n, 1)]
	}
	// 32 MiB, dirty, then dropped: the next allocation, of 16 MiB,
	// collects it.
	o1, a1 := alloc(32 << 20)
	for i := range a1 {
		a1[i] = 0xAA
	}
	before := h.Stats().Collections
	o2, a2 := alloc(16 << 20)
	if h.Stats().Collections != before+1 {
		t.Fatal("the allocation did not collect")
	}
	if o2 != o1 {
		t.Fatalf("the array is at %#x, want the freed run at %#x", o2, o1)
	}
	// The whole new array is resident; of the old one's other 16 MiB,
	// the blocks past the new array's last one went back.
	if r, n := resident(t, h.Bytes()[o2:o2+gcheap.ArraySize(16<<20, 1)]); r != n {
		t.Errorf("%d of the new array's %d pages are resident, want all", r, n)
	}
	end := (o2 + gcheap.ArraySize(16<<20, 1) + gcheap.BlockSize - 1) &^ (gcheap.BlockSize - 1)
	if r, _ := resident(t, h.Bytes()[end:o1+gcheap.ArraySize(32<<20, 1)&^(gcheap.BlockSize-1)]); r != 0 {
		t.Errorf("%d pages of the freed blocks the new array does not use are resident, want none", r)
	}
	// (Read after: reading maps pages.)
	for i, b := range a2 {
		if b != 0 {
			t.Fatalf("byte %d of the new array is %#x", i, b)
		}
	}
	checkVerify(t, h)
}

// resident counts the pages of b (page aligned) that are resident.
func resident(t *testing.T, b []byte) (r, n int) {
	t.Helper()
	page := unix.Getpagesize()
	vec := make([]byte, (len(b)+page-1)/page)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	for _, v := range vec {
		if v&1 != 0 {
			r++
		}
	}
	return r, len(vec)
}
