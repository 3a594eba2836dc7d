package gcheap_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

func init() { gcheap.SetVerify(true) }

// testTypes: $node is a cons cell (i64 payload, next), $bytes an i8
// array, $refs an array of anyrefs, $ext a struct holding an externref.
const testTypes = `(module
  (type $node (struct (field i64) (field (mut (ref null $node)))))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut anyref)))
  (type $ext (struct (field externref))))`

func newHeap(t *testing.T, limit uint64) (*gcheap.Heap, []uint32) {
	t.Helper()
	m, err := text.ParseModule([]byte(testTypes))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	h := gcheap.New(limit)
	ids, err := h.RegisterModule(m)
	if err != nil {
		t.Fatal(err)
	}
	return h, ids
}

func checkVerify(t *testing.T, h *gcheap.Heap) {
	t.Helper()
	if err := h.Verify(); err != nil {
		t.Fatal(err)
	}
	if n, err := gcheap.VerifyFailures(); n != 0 {
		t.Fatalf("%d verifications failed, last: %v", n, err)
	}
}

// TestChurn allocates far more than the limit in lists of which only the
// latest few stay reachable: everything else is reclaimed, and the heap
// stays intact.
func TestChurn(t *testing.T) {
	h, ids := newHeap(t, 8<<20)
	node := ids[0]
	ti := h.Type(node)
	var roots [16]uint64
	h.Roots = func(m *gcheap.Marker) { m.Words(roots[:]) }
	for i := 0; i < 400_000; i++ {
		o, err := h.Alloc(uint64(ti.Size), uint64(node))
		if err != nil {
			t.Fatalf("allocation %d: %v", i, err)
		}
		mem := h.Bytes()
		binary.LittleEndian.PutUint64(mem[o+uint64(ti.Offsets[0]):], uint64(i))
		if i%1000 == 0 {
			roots[(i/1000)%len(roots)] = 0 // drop a whole list now and then
		}
		r := &roots[i%len(roots)]
		binary.LittleEndian.PutUint64(mem[o+uint64(ti.Offsets[1]):], *r)
		*r = o
	}
	s := h.Stats()
	if s.Collections == 0 || s.HeapBytes > 8<<20 || s.AllocatedBytes < 9<<20 {
		t.Errorf("stats %+v", s)
	}
	// Every root list is intact: payloads decrease by len(roots) along it.
	mem := h.Bytes()
	for _, r := range roots {
		prev := int64(-1)
		for o := r; o != 0; o = binary.LittleEndian.Uint64(mem[o+uint64(ti.Offsets[1]):]) {
			v := int64(binary.LittleEndian.Uint64(mem[o+uint64(ti.Offsets[0]):]))
			if prev >= 0 && v != prev-int64(len(roots)) {
				t.Fatalf("list broken: %d after %d", v, prev)
			}
			prev = v
		}
	}
	h.Collect()
	checkVerify(t, h)
}

// TestLargeAndLimits: large arrays take blocks and are freed; an object
// larger than the limit fails with ErrTooLarge, a live set that does not
// fit with ErrOutOfMemory.
func TestLargeAndLimits(t *testing.T) {
	h, ids := newHeap(t, 4<<20)
	bytesT := ids[1]
	var keep []uint64
	h.Roots = func(m *gcheap.Marker) { m.Words(keep) }
	for i := 0; i < 200; i++ {
		n := uint32(100_000 + i)
		size := gcheap.ArraySize(n, 1)
		o, err := h.Alloc(size, uint64(bytesT)|uint64(n)<<32)
		if err != nil {
			t.Fatalf("array %d: %v", i, err)
		}
		if h.ArrayLen(o) != n {
			t.Fatalf("length %d", h.ArrayLen(o))
		}
		for _, b := range h.Bytes()[o+8 : o+size] {
			if b != 0 {
				t.Fatal("a new array is not zeroed")
			}
		}
		h.Bytes()[o+8] = 0xff // dirty it for the next one that reuses the blocks
	}
	if _, err := h.Alloc(8<<20, uint64(bytesT)); !errors.Is(err, gcheap.ErrTooLarge) {
		t.Errorf("huge: %v", err)
	}
	for i := 0; ; i++ {
		o, err := h.Alloc(1<<20, uint64(bytesT)|uint64(1<<20-8)<<32)
		if err != nil {
			if !errors.Is(err, gcheap.ErrOutOfMemory) || i < 2 {
				t.Fatalf("after %d live MiB: %v", i, err)
			}
			break
		}
		keep = append(keep, o)
	}
	checkVerify(t, h)
}

// TestExternsAndConservativeRoots: an extern entry lives while an object
// holds it; a conservative root keeps only an object that starts exactly
// there.
func TestExternsAndConservativeRoots(t *testing.T) {
	h, ids := newHeap(t, 1<<20)
	ext := ids[3]
	ti := h.Type(ext)
	if len(ti.RefOffsets) != 1 {
		t.Fatalf("ref offsets %v", ti.RefOffsets)
	}
	w, _ := h.NewExtern("held")
	dropped, _ := h.NewExtern("dropped")
	o, err := h.Alloc(uint64(ti.Size), uint64(ext))
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint64(h.Bytes()[o+uint64(ti.RefOffsets[0]):], w)
	other, _ := h.Alloc(uint64(ti.Size), uint64(ext))
	stack := []uint64{o, other + 8, 12345}
	h.Roots = func(m *gcheap.Marker) { m.Conservative(stack) }
	h.Collect()
	if v, ok := h.Extern(w); !ok || v != "held" {
		t.Errorf("held extern: %v %v", v, ok)
	}
	if _, ok := h.Extern(dropped); ok {
		t.Error("an unreachable extern entry survived")
	}
	if h.Stats().LiveBytes != uint64(ti.Size) {
		t.Errorf("live %d, want one object (%d)", h.Stats().LiveBytes, ti.Size)
	}
	checkVerify(t, h)
	h.Close()
	if _, err := h.Alloc(16, uint64(ext)); !errors.Is(err, gcheap.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// TestSubtypes: the display answers subtype questions across modules that
// declare equivalent types.
func TestSubtypes(t *testing.T) {
	src := `(module (type $a (sub (struct (field i32)))) (type $b (sub $a (struct (field i32) (field i64)))) (type $c (sub $a (struct (field i32) (field f32)))))`
	m, _ := text.ParseModule([]byte(src))
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	m2, _ := text.ParseModule([]byte(src))
	if err := validate.Module(m2); err != nil {
		t.Fatal(err)
	}
	h := gcheap.New(1 << 20)
	ids, _ := h.RegisterModule(m)
	ids2, _ := h.RegisterModule(m2)
	for i := range ids {
		if ids[i] != ids2[i] {
			t.Errorf("type %d: ids %d and %d", i, ids[i], ids2[i])
		}
	}
	a, b, c := ids[0], ids[1], ids[2]
	for _, tc := range []struct {
		sub, super uint32
		want       bool
	}{{b, a, true}, {c, a, true}, {a, b, false}, {b, c, false}, {a, a, true}} {
		if got := h.IsSubtype(tc.sub, tc.super); got != tc.want {
			t.Errorf("IsSubtype(%d, %d) = %v", tc.sub, tc.super, got)
		}
	}
	if h.Type(b).Kind != wasm.CompStruct || h.Type(b).Size != 24 {
		t.Errorf("layout of $b: %+v", h.Type(b))
	}
}

// TestLargeFirst: a large object allocated first never gets offset 0,
// which is null.
func TestLargeFirst(t *testing.T) {
	h, ids := newHeap(t, 4<<20)
	h.Roots = func(*gcheap.Marker) {}
	o, err := h.NewArray(ids[1], 100_000)
	if err != nil || o == 0 {
		t.Fatalf("first large array at %#x: %v", o, err)
	}
	h.Collect()
	checkVerify(t, h)
}
