package ssa_test

import (
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// An if/else whose arms assign only x: after MergeVars, the join reads y
// in the entry block (no parameter, not even a trivial one made and
// removed) and gets a parameter for x alone; z, listed as assigned but
// equal on both arms, takes the entry value directly.
func TestBuilderMergeVars(t *testing.T) {
	f := NewFunc("merge", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	x, y, z := b.DeclareVar(I32), b.DeclareVar(I32), b.DeclareVar(I32)
	b.DefVar(x, entry.Params[0])
	b.DefVar(y, entry.Params[1])
	b.DefVar(z, entry.Params[1])
	join, then, els := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	b.Brif(entry.Params[0], then, nil, els, nil)
	b.SealBlock(then)
	b.SealBlock(els)
	b.SwitchToBlock(then)
	b.DefVar(x, b.Iconst(I32, 1))
	b.Jump(join)
	b.SwitchToBlock(els)
	b.DefVar(x, b.Iconst(I32, 2))
	b.Jump(join)
	b.SealBlock(join)
	b.MergeVars(join, entry, []Variable{x, z, x})
	if n := len(join.Params); n != 1 {
		t.Errorf("after MergeVars the join has %d parameters, want 1 (x)", n)
	}
	b.SwitchToBlock(join)
	if zv := b.UseVar(z); zv != entry.Params[1] {
		t.Errorf("z at the join is %v, want the entry's %v", zv, entry.Params[1])
	}
	before := b.Work()
	yv := b.UseVar(y)
	if yv != entry.Params[1] {
		t.Errorf("y at the join is %v, want the entry's %v", yv, entry.Params[1])
	}
	if got := b.Work() - before; got != 1 {
		t.Errorf("reading y took %d steps, want 1 (the join to its dominator)", got)
	}
	b.Return(b.Iadd(b.UseVar(x), yv))
	b.LayoutBySwitch()
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatalf("%v\n%s", err, f)
	}
	if len(join.Params) != 1 {
		t.Errorf("join has %d parameters, want 1 (x):\n%s", len(join.Params), f)
	}
	// Source order: the arms before the join, though it was created first.
	var order []*Block
	order = append(order, f.Blocks...)
	if len(order) != 4 || order[0] != entry || order[1] != then || order[2] != els || order[3] != join {
		t.Errorf("layout is not entry, then, else, join:\n%s", f)
	}
}

// A loop whose body assigns only i: SealLoop gives the parameter made for
// a read of k inside the loop the entry value, and keeps i's.
func TestBuilderSealLoop(t *testing.T) {
	f := NewFunc("loop", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	i, k := b.DeclareVar(I32), b.DeclareVar(I32)
	b.DefVar(i, entry.Params[0])
	b.DefVar(k, entry.Params[1])
	header, exit := b.CreateBlock(), b.CreateBlock()
	b.Jump(header)
	b.SwitchToBlock(header) // unsealed: reads here make parameters
	next := b.Iadd(b.UseVar(i), b.UseVar(k))
	b.DefVar(i, next)
	if n := len(header.Params); n != 2 {
		t.Fatalf("the open header has %d parameters, want 2 (i and k)", n)
	}
	b.Brif(next, header, nil, exit, nil)
	b.SealLoop(header, []Variable{i})
	b.SealBlock(exit)
	b.SwitchToBlock(exit)
	b.Return(b.UseVar(k))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatalf("%v\n%s", err, f)
	}
	if len(header.Params) != 1 {
		t.Errorf("header has %d parameters, want 1 (i):\n%s", len(header.Params), f)
	}
	ret := exit.Insts[len(exit.Insts)-1]
	if ret.Args[0] != entry.Params[1] {
		t.Errorf("k after the loop is %v, want the entry's %v:\n%s", ret.Args[0], entry.Params[1], f)
	}
}
