package gcheap_test

import (
	"errors"
	"testing"

	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestInterruptedLongWork: the long work an allocation may do, giving a
// collection's free blocks back to the kernel (in chunks of 1 MiB) and
// clearing a large object's reused blocks (in chunks of 256 KiB), calls
// Yield between chunks and stops when Yield reports an interruption: the
// allocation fails with ErrInterrupted, and the heap stays intact, so the
// same allocation succeeds afterwards with every byte zero.
func TestInterruptedLongWork(t *testing.T) {
	for _, c := range []struct {
		name  string
		bytes uint32 // the arrays' length
		// alternate: every other array stays live, so that the free runs
		// between them are too short to give back and stay dirty.
		alternate bool
	}{
		{"give back", 16 << 20, false}, // 512 blocks: a collection gives them back in chunks
		{"clear", 16 * gcheap.BlockSize, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, ids := newHeap(t, 64<<20)
			bytesT := ids[1]
			var keep []uint64
			h.Roots = func(m *gcheap.Marker) { m.Words(keep) }
			stop, yields := false, 0
			h.Yield = func() bool { yields++; return stop }
			size := gcheap.ArraySize(c.bytes, 1)
			hdr := uint64(bytesT) | uint64(c.bytes)<<32
			// Dirty arrays until a collection has freed some.
			for i := 0; h.Stats().Collections == 0; i++ {
				o, err := h.Alloc(size, hdr)
				if err != nil || i == 100 {
					t.Fatalf("array %d: %v", i, err)
				}
				mem := h.Bytes()[o+gcheap.HeaderSize : o+size]
				for i := range mem {
					mem[i] = 0xAA
				}
				if c.alternate && i%2 == 0 {
					keep = append(keep, o)
				}
			}
			stop, yields = true, 0
			if _, err := h.Alloc(size, hdr); !errors.Is(err, gcheap.ErrInterrupted) || yields != 1 {
				t.Fatalf("interrupted allocation: %v after %d yields, want ErrInterrupted after 1", err, yields)
			}
			checkVerify(t, h)
			stop = false
			o, err := h.Alloc(size, hdr)
			if err != nil {
				t.Fatal(err)
			}
			keep = append(keep, o)
			for _, b := range h.Bytes()[o+gcheap.HeaderSize : o+size] {
				if b != 0 {
					t.Fatal("the array allocated after an interrupted one is not zeroed")
				}
			}
			checkVerify(t, h)
		})
	}
}
