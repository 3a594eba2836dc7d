package ssa_test

import (
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	. "github.com/moat-run/moat/internal/ssa"
)

// buildLoop builds "sum of 1..n" with a variable for the counter and the
// sum, the way the frontend maps locals to variables.
func buildLoop(t *testing.T) *Func {
	f := NewFunc("sum", Signature{Params: []Type{I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	i, sum := b.DeclareVar(I32), b.DeclareVar(I32)
	b.DefVar(i, entry.Params[0])
	b.DefVar(sum, b.Iconst(I32, 0))
	header, body, exit := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	b.Jump(header)

	b.SwitchToBlock(header) // not sealed: the back edge is not emitted yet
	b.Brif(b.UseVar(i), body, nil, exit, nil)

	b.SwitchToBlock(body)
	b.SealBlock(body)
	b.DefVar(sum, b.Iadd(b.UseVar(sum), b.UseVar(i)))
	b.DefVar(i, b.Isub(b.UseVar(i), b.Iconst(I32, 1)))
	b.Jump(header)
	b.SealBlock(header)

	b.SwitchToBlock(exit)
	b.SealBlock(exit)
	b.Return(b.UseVar(sum))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatalf("%v\n%s", err, f)
	}
	return f
}

// The constants are the pool's, printed as the entry block's first
// instructions.
func TestBuilderLoopVariables(t *testing.T) {
	f := buildLoop(t)
	want := `function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    v5 = iconst.i32 1
    jump block1(v0, v1)
block1(v2: i32, v3: i32):
    brif v2, block2, block3
block2:
    v4 = iadd v3, v2
    v6 = isub v2, v5
    jump block1(v6, v4)
block3:
    return v3
}
`
	if got := f.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for _, n := range []uint64{0, 1, 10} {
		if got := interpret(f, []uint64{n}, 1000); len(got.results) != 1 || got.results[0] != n*(n+1)/2 {
			t.Errorf("sum(%d) = %v", n, got)
		}
	}
}

func TestBuilderRemovesTrivialParams(t *testing.T) {
	// A variable only read in a loop (never redefined) needs no parameter,
	// and a diamond assigning the same value on both sides needs none.
	f := NewFunc("f", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	x, y := b.DeclareVar(I32), b.DeclareVar(I32)
	b.DefVar(x, entry.Params[0])
	b.DefVar(y, entry.Params[1])
	header, body, exit := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	b.Jump(header)
	b.SwitchToBlock(header)
	cond := b.Icmp(IntNE, b.UseVar(x), b.UseVar(y))
	b.Brif(cond, body, nil, exit, nil)
	b.SwitchToBlock(body)
	b.SealBlock(body)
	b.DefVar(y, b.UseVar(y))
	b.Jump(header)
	b.SealBlock(header)
	b.SwitchToBlock(exit)
	b.SealBlock(exit)
	b.Return(b.UseVar(x))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatal(err)
	}
	for _, blk := range f.Blocks[1:] {
		if len(blk.Params) != 0 {
			t.Errorf("block%d kept parameters:\n%s", blk.ID, f)
		}
	}
}

func TestBuilderUndefinedVariableIsZero(t *testing.T) {
	f := NewFunc("f", Signature{Results: []Type{I64, F64}})
	b := NewBuilder(f)
	b.CreateEntryBlock()
	x, y := b.DeclareVar(I64), b.DeclareVar(F64)
	b.Return(b.UseVar(x), b.UseVar(y))
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatal(err)
	}
	if got := interpret(f, nil, 10); got.results[0] != 0 || got.results[1] != 0 {
		t.Errorf("got %v", got)
	}
}

func TestBuilderMisuseIsAnError(t *testing.T) {
	f := NewFunc("f", Signature{})
	b := NewBuilder(f)
	b.CreateEntryBlock()
	other := b.CreateBlock()
	b.SealBlock(other)
	b.Jump(other) // branch to a sealed block
	b.Trap(abi.TrapUnreachable)
	err := b.Finish()
	if err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Fatalf("err = %v", err)
	}
	v := b.DeclareVar(I32)
	b.DefVar(v, b.F32const(1)) // wrong type; no panic
	if b.Err() == nil {
		t.Fatal("no error")
	}
}

func TestAnalyses(t *testing.T) {
	f, err := Parse(`function %f(i32) {
block0(v0: i32):
    jump block1
block1:
    brif v0, block2, block5
block2:
    jump block3
block3:
    brif v0, block3, block4
block4:
    brif v0, block1, block5
block5:
    return
block6:
    jump block5
}
`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ComputeCFG(f)
	var rpo []int
	for _, b := range cfg.RPO {
		rpo = append(rpo, b.ID)
	}
	if len(rpo) != 6 || rpo[0] != 0 || cfg.Reachable(f.Blocks[6]) {
		t.Fatalf("rpo %v", rpo)
	}
	dom := ComputeDomTree(cfg)
	idoms := map[int]int{1: 0, 2: 1, 3: 2, 4: 3, 5: 1}
	for id, want := range idoms {
		if got := dom.Idom(f.Blocks[id]); got == nil || got.ID != want {
			t.Errorf("idom(block%d) = %v, want block%d", id, got, want)
		}
	}
	if !dom.Dominates(f.Blocks[1], f.Blocks[4]) || dom.Dominates(f.Blocks[2], f.Blocks[5]) || !dom.Dominates(f.Blocks[3], f.Blocks[3]) {
		t.Error("Dominates is wrong")
	}
	loops := ComputeLoops(cfg, dom)
	if len(loops.Loops) != 2 {
		t.Fatalf("%d loops", len(loops.Loops))
	}
	outer, inner := loops.Loops[0], loops.Loops[1]
	if outer.Header.ID != 1 || inner.Header.ID != 3 || inner.Parent != outer || inner.Depth != 2 || len(outer.Blocks) != 4 {
		t.Errorf("outer %+v inner %+v", outer, inner)
	}
	depths := map[int]int{0: 0, 1: 1, 2: 1, 3: 2, 4: 1, 5: 0}
	for id, want := range depths {
		if got := loops.Depth(f.Blocks[id]); got != want {
			t.Errorf("depth(block%d) = %d, want %d", id, got, want)
		}
	}
}
