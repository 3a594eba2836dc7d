package gcheap_test

import (
	"encoding/binary"
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

// TestInterruptedMarking: marking calls Yield every 32K words and stops
// when Yield reports an interruption; the collection is then abandoned:
// the allocation that started it fails with ErrInterrupted, nothing is
// freed, and no hole is carved from a small block until a collection
// finishes, so objects that marking had not reached yet (here, 32K structs
// reachable only through one array of references, between 32K dead ones
// whose lines the last finished collection freed) keep their contents
// through later allocations and the next, finished collection.
func TestInterruptedMarking(t *testing.T) {
	const n = 64 << 10
	h, ids := newHeap(t, 64<<20)
	defer h.Close()
	nodeT, refsT := ids[0], ids[2]
	var keep []uint64
	h.Roots = func(m *gcheap.Marker) { m.Words(keep) }
	stop, yields := false, 0
	h.Yield = func() bool { yields++; return stop }
	arr, err := h.Alloc(gcheap.ArraySize(n, 8), uint64(refsT)|uint64(n)<<32)
	if err != nil {
		t.Fatal(err)
	}
	keep = append(keep, arr)
	// Structs of 24 bytes (a header, an i64 payload, a reference): those
	// that start on an even line are kept (up to n of them), those on odd
	// lines die, so the collection below frees about every other line.
	const nodeSize = 24
	var live []uint64
	for range 4 * n {
		o, err := h.Alloc(nodeSize, uint64(nodeT))
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint64(h.Bytes()[o+8:], uint64(len(live)))
		if (o/gcheap.LineSize)%2 == 0 && len(live) < n {
			binary.LittleEndian.PutUint64(h.Bytes()[arr+gcheap.HeaderSize+8*uint64(len(live)):], o)
			live = append(live, o)
		}
	}
	check := func(when string) {
		t.Helper()
		mem := h.Bytes()
		for i, o := range live {
			if got := binary.LittleEndian.Uint64(mem[o+8:]); got != uint64(i) {
				t.Fatalf("%s: struct %d at %#x holds %d", when, i, o, got)
			}
		}
		checkVerify(t, h)
	}
	h.Collect() // frees the lines of the dead structs: the small blocks have holes
	check("after a collection")
	collections := h.Stats().Collections
	stop, yields = true, 0
	// 8 MiB: past the 4 MiB trigger, so it collects first.
	if _, err := h.Alloc(gcheap.ArraySize(8<<20, 1), uint64(ids[1])|uint64(8<<20)<<32); !errors.Is(err, gcheap.ErrInterrupted) || yields != 1 {
		t.Fatalf("allocation during an interrupted collection: %v after %d yields, want ErrInterrupted after 1", err, yields)
	}
	if got := h.Stats().Collections; got != collections {
		t.Errorf("%d collections finished, want %d (the interrupted one abandoned)", got, collections)
	}
	check("after the abandoned collection")
	stop = false
	for range 2 * n {
		o, err := h.Alloc(nodeSize, uint64(nodeT))
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint64(h.Bytes()[o+8:], ^uint64(0))
	}
	check("after allocating more structs")
	h.Collect()
	if got := h.Stats().Collections; got != collections+1 {
		t.Errorf("%d collections finished, want %d", got, collections+1)
	}
	check("after a finished collection")
}
