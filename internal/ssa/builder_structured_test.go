package ssa_test

import (
	"runtime/debug"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// An if/else whose arms assign only x and w: after MergeVars, the join
// reads y in the entry block (no parameter, not even a trivial one made
// and removed) and gets a parameter for x alone, when x is read; z,
// listed as assigned but equal on both arms, takes the entry value
// directly, and w, assigned again before any read, takes none.
func TestBuilderMergeVars(t *testing.T) {
	f := NewFunc("merge", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	x, y, z, w := b.DeclareVar(I32), b.DeclareVar(I32), b.DeclareVar(I32), b.DeclareVar(I32)
	b.DefVar(x, entry.Params[0])
	b.DefVar(y, entry.Params[1])
	b.DefVar(z, entry.Params[1])
	b.DefVar(w, entry.Params[1])
	join, then, els := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	b.Brif(entry.Params[0], then, nil, els, nil)
	b.SealBlock(then)
	b.SealBlock(els)
	b.SwitchToBlock(then)
	b.DefVar(x, b.Iconst(I32, 1))
	b.DefVar(w, b.Iconst(I32, 3))
	b.Jump(join)
	b.SwitchToBlock(els)
	b.DefVar(x, b.Iconst(I32, 2))
	b.DefVar(w, b.Iconst(I32, 4))
	b.Jump(join)
	b.SealBlock(join)
	b.MergeVars(join, entry, []Variable{x, z, w, x})
	if n := len(join.Params); n != 0 {
		t.Errorf("after MergeVars the join has %d parameters, want none before a read", n)
	}
	b.SwitchToBlock(join)
	b.DefVar(w, b.Iconst(I32, 5))
	if wv := b.UseVar(w); len(join.Params) != 0 {
		t.Errorf("w read after its assignment in the join (%v) made a parameter", wv)
	}
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
	if n := len(join.Params); n != 1 {
		t.Errorf("after reading x the join has %d parameters, want 1 (x)", n)
	}
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

// A join inside a loop, x assigned on one path into it, and x read only
// after the loop: the read merges x in the join when the loop header is
// already sealed, so the walk from the join's predecessors comes round
// the back edge to the join again, which then gets its parameter in the
// middle of its own merge; header and join each take one, arguments of
// each other.
func TestBuilderMergeVarsAcrossLoop(t *testing.T) {
	f := NewFunc("loopmerge", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	x := b.DeclareVar(I32)
	b.DefVar(x, entry.Params[0])
	header, then, join, exit := b.CreateBlock(), b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	b.Jump(header)
	b.SwitchToBlock(header)
	b.Brif(entry.Params[1], then, nil, join, nil)
	b.SealBlock(then)
	b.SwitchToBlock(then)
	b.DefVar(x, b.Iconst(I32, 7))
	b.Jump(join)
	b.SealBlock(join)
	b.MergeVars(join, header, []Variable{x})
	b.SwitchToBlock(join)
	b.Brif(entry.Params[1], header, nil, exit, nil)
	b.SealLoop(header, []Variable{x})
	b.SealBlock(exit)
	b.SwitchToBlock(exit)
	b.Return(b.UseVar(x))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatalf("%v\n%s", err, f)
	}
	if len(header.Params) != 1 || len(join.Params) != 1 {
		t.Fatalf("header and join have %d and %d parameters, want 1 each:\n%s", len(header.Params), len(join.Params), f)
	}
	ret := exit.Insts[len(exit.Insts)-1]
	if ret.Args[0] != join.Params[0] {
		t.Errorf("x after the loop is %v, want the join's parameter %v:\n%s", ret.Args[0], join.Params[0], f)
	}
	for _, in := range []*Inst{entry.Terminator(), join.Terminator()} {
		for _, c := range in.Targets {
			if c.Block == header && (len(c.Args) != 1 || (c.Args[0] != entry.Params[0] && c.Args[0] != join.Params[0])) {
				t.Errorf("a branch to the header passes %v, want x's entry value or the join's parameter:\n%s", c.Args, f)
			}
		}
	}
	if a := then.Terminator().Targets[0].Args; len(a) != 1 {
		t.Errorf("then passes %v to the join, want the constant:\n%s", a, f)
	}
	if a := header.Terminator().Targets[1].Args; len(a) != 1 || a[0] != header.Params[0] {
		t.Errorf("the header passes %v to the join, want its parameter %v:\n%s", a, header.Params[0], f)
	}
}

// A local assigned on one arm of each of 20,000 ifs in a row and read only
// after them: the read merges every join, each from the one before, deeper
// than the builder recurses (maxMergeDepth), on a Go stack of 4 MiB where
// a merge per level would need several times that. Each join gets one
// parameter taking its arm's constant and the join before's parameter.
func TestBuilderMergeVarsDeepChain(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(4 << 20))
	const n = 20000
	f := NewFunc("chain", Signature{Params: []Type{I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	x := b.DeclareVar(I32)
	b.DefVar(x, entry.Params[0])
	joins := make([]*Block, n)
	thens := make([]*Block, n)
	cur := entry
	for i := range n {
		then, join := b.CreateBlock(), b.CreateBlock()
		b.Brif(entry.Params[0], then, nil, join, nil)
		b.SealBlock(then)
		b.SwitchToBlock(then)
		b.DefVar(x, b.Iconst(I32, int64(i)))
		b.Jump(join)
		b.SealBlock(join)
		b.MergeVars(join, cur, []Variable{x})
		b.SwitchToBlock(join)
		joins[i], thens[i], cur = join, then, join
	}
	b.Return(b.UseVar(x))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatal(err)
	}
	prev := entry.Params[0]
	for i, join := range joins {
		if len(join.Params) != 1 {
			t.Fatalf("join %d has %d parameters, want 1", i, len(join.Params))
		}
		p := join.Params[0]
		arm := thens[i].Terminator().Targets[0].Args
		c, ok := f.IntConst(arm[0])
		if len(arm) != 1 || !ok || c != uint64(i) {
			t.Fatalf("join %d takes %v from its arm, want the constant %d", i, arm, i)
		}
		var other []Value
		for _, tg := range (map[bool]*Block{true: entry, false: joins[max(i-1, 0)]})[i == 0].Terminator().Targets {
			if tg.Block == join {
				other = tg.Args
			}
		}
		if len(other) != 1 || other[0] != prev {
			t.Fatalf("join %d takes %v from the branch around its arm, want %v", i, other, prev)
		}
		prev = p
	}
	ret := joins[n-1].Terminator()
	if ret.Args[0] != prev {
		t.Errorf("the function returns %v, want the last join's parameter %v", ret.Args[0], prev)
	}
}
