package compiler

import (
	"testing"

	"github.com/moat-run/moat/internal/vm"
)

// TestStoreBlocks: a store keeps its first instance's descriptor block in
// place and the next ones' beside it (storeRare.blocks); each block is
// found by its instance and resolves its descriptors to that instance's
// functions; Release empties the list, and the recycled store keeps the
// storage without a reference to a released instance.
func TestStoreBlocks(t *testing.T) {
	ce, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	e := ce.(*compilerEngine)
	m := parseForTest(t, `(module (func (export "f")) (func (export "g")))`)
	code, err := e.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewStore()
	r := s.RefCodec().(*storeRefs)
	var insts []*vm.Instance
	for n := 1; n <= 3; n++ {
		inst := &vm.Instance{Module: m, Store: s}
		if err := code.Bind(inst); err != nil {
			t.Fatal(err)
		}
		insts = append(insts, inst)
		if got := r.numBlocks(); got != n {
			t.Fatalf("%d blocks after %d instances", got, n)
		}
	}
	if r.blockAt(0) != &r.first || r.rare == nil || len(r.rare.blocks) != 2 {
		t.Fatal("the first block is not in place, or the next ones not beside it")
	}
	for i, inst := range insts {
		b := r.placed(inst)
		if b == nil || b.inst() != inst || b.native != inst.Engine.(*instance) {
			t.Fatalf("instance %d: block %v is not its own", i, b)
		}
		for k := range uint32(2) {
			ref, err := r.RefOf(inst, k)
			if err != nil {
				t.Fatal(err)
			}
			if f := r.Decode(ref); f == nil || f.Instance != inst || f.Index != k {
				t.Fatalf("instance %d: descriptor of function %d resolves to %v", i, k, f)
			}
		}
	}
	if err := r.Release(); err != nil {
		t.Fatal(err)
	}
	e.RecycleStore(s)
	if r.numBlocks() != 0 || r.first != (descBlock{}) {
		t.Fatal("a recycled store still has blocks")
	}
	if blocks := r.rare.blocks; cap(blocks) < 2 {
		t.Error("the storage of the blocks past the first is not kept")
	} else {
		for i, b := range blocks[:cap(blocks)] {
			if b != (descBlock{}) {
				t.Errorf("kept block storage %d still holds %+v", i, b)
			}
		}
	}
}
