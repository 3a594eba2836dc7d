package gcheap_test

import (
	"encoding/binary"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/text"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// TestAdoptBump plays compiled code: it allocates in the hole Bump gives
// by writing headers only, hands the cursor back, and the objects are
// then live objects of the heap (start bits set, counted, kept by a
// collection through a root, verified); a cursor that does not end an
// object is refused with a panic, not adopted.
func TestAdoptBump(t *testing.T) {
	h, ids := newHeap(t, 8<<20)
	node, bytes := ids[0], ids[1]
	first, err := h.NewStruct(node) // reserves the arena, opens a hole
	if err != nil {
		t.Fatal(err)
	}
	cur, end := h.Bump()
	if cur == 0 || end <= cur {
		t.Fatalf("no hole: [%#x, %#x)", cur, end)
	}
	mem := h.Bytes()
	a := cur
	binary.LittleEndian.PutUint64(mem[a:], uint64(node))
	b := a + uint64(h.Type(node).Size)
	binary.LittleEndian.PutUint64(mem[b:], uint64(bytes)|5<<32) // 5 bytes: 16 with the header
	binary.LittleEndian.PutUint64(mem[a+16:], b)                // a.next = b
	before := h.Stats().AllocatedBytes
	h.AdoptBump(b + 16)
	if got := h.Stats().AllocatedBytes - before; got != b+16-a {
		t.Errorf("adopted %d bytes, want %d", got, b+16-a)
	}
	if !h.IsLive(a) || !h.IsLive(b) {
		t.Fatal("adopted objects are not live")
	}
	h.Roots = func(m *gcheap.Marker) { m.Conservative([]uint64{a, first}) }
	h.Collect()
	if !h.IsLive(a) || !h.IsLive(b) {
		t.Fatal("a collection lost the adopted objects")
	}
	checkVerify(t, h)

	cur, _ = h.Bump()
	binary.LittleEndian.PutUint64(h.Bytes()[cur:], uint64(node))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a cursor inside an object was adopted")
			}
		}()
		h.AdoptBump(cur + 8)
	}()
}

// TestDisplays: the display table holds each type's kind and ancestors
// from the root, cut at abi.GCDisplayMaxDepth, zero after the end.
func TestDisplays(t *testing.T) {
	m, err := text.ParseModule([]byte(`(module
  (type $a (sub (struct)))
  (type $b (sub $a (struct)))
  (type $c (sub $b (struct)))
  (type $d (sub $c (struct)))
  (type $e (sub $d (struct)))
  (type $f (sub $e (struct)))
  (type $g (sub $f (struct)))
  (type $h (sub $g (struct)))
  (type $v (array i8)))`))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	h := gcheap.New(1 << 20)
	ids, err := h.RegisterModule(m)
	if err != nil {
		t.Fatal(err)
	}
	d := h.Displays()
	if len(d) != abi.GCDisplayWords*(len(ids)+1) {
		t.Fatalf("%d words for %d types", len(d), len(ids))
	}
	entry := func(id uint32) []uint32 { return d[id*abi.GCDisplayWords : (id+1)*abi.GCDisplayWords] }
	for i, id := range ids[:8] {
		e := entry(id)
		if e[abi.GCDisplayKind] != abi.GCKindStruct {
			t.Errorf("type %d: kind %d", i, e[abi.GCDisplayKind])
		}
		for k := 0; k <= abi.GCDisplayMaxDepth; k++ {
			want := uint32(0)
			if k <= i {
				want = ids[k]
			}
			if got := e[abi.GCDisplaySupers+k]; got != want {
				t.Errorf("type %d, depth %d: %d, want %d", i, k, got, want)
			}
		}
	}
	if e := entry(ids[8]); e[abi.GCDisplayKind] != abi.GCKindArray || e[abi.GCDisplaySupers] != ids[8] {
		t.Errorf("array entry %v", e)
	}
}
