package ssa_test

import (
	"math/rand/v2"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	. "github.com/moat-run/moat/internal/ssa"
)

// randomChecks builds a function full of bounds checks in the frontend's
// shape (uextend, iadd of a constant, icmp ugt against a length, trapnz)
// over a few indices, lengths that change (reloads), constant addresses
// and branches, with calls between them recording which checks passed.
// Signature: (i32, i32, i64, i64) -> i32.
func randomChecks(r *rand.Rand) *Func {
	f := NewFunc("checks", Signature{Params: []Type{I32, I32, I64, I64}, Results: []Type{I32}})
	sig := f.AddSig(Signature{Params: []Type{I64}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	length := b.DeclareVar(I64)
	b.DefVar(length, entry.Params[2])
	idx := []Value{b.Uextend(entry.Params[0]), b.Uextend(entry.Params[1])}
	check := func() {
		var end Value
		k := int64(r.IntN(24))
		switch r.IntN(4) {
		case 0:
			end = b.Iconst(I64, k)
		case 1:
			end = b.Iadd(b.Iconst(I64, k), idx[r.IntN(len(idx))])
		default:
			end = b.Iadd(idx[r.IntN(len(idx))], b.Iconst(I64, k))
		}
		var c Value
		if r.IntN(2) == 0 {
			c = b.Icmp(IntUGT, end, b.UseVar(length))
		} else {
			c = b.Icmp(IntULT, b.UseVar(length), end)
		}
		b.Trapnz(c, abi.TrapMemoryOutOfBounds)
		b.Call(FuncRef(r.IntN(2)), sig, end) // observable progress
	}
	n := 2 + r.IntN(5)
	blocks := make([]*Block, n)
	for i := range blocks {
		blocks[i] = b.CreateBlock()
	}
	b.Jump(blocks[0])
	for i, blk := range blocks {
		b.SwitchToBlock(blk)
		for k := r.IntN(5); k > 0; k-- {
			switch r.IntN(6) {
			case 0:
				b.DefVar(length, b.Iadd(entry.Params[3], b.Iconst(I64, int64(r.IntN(8)))))
			default:
				check()
			}
		}
		if i == n-1 {
			b.Return(b.Iconst(I32, int64(i)))
			continue
		}
		// Forward edges only, so the function ends.
		t1 := blocks[i+1+r.IntN(n-i-1)]
		t2 := blocks[i+1+r.IntN(n-i-1)]
		b.Brif(entry.Params[r.IntN(2)], t1, nil, t2, nil)
	}
	if err := b.Finish(); err != nil {
		panic(err)
	}
	return f
}

// TestBCERandom: on random check-heavy functions, BCE and the pipeline
// keep behaviour (results, traps, calls) exactly, on inputs in and out of
// bounds.
func TestBCERandom(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 100
	}
	removed := 0
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 11))
		f := randomChecks(r)
		if err := Verify(f); err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, f)
		}
		text := f.String()
		var inputs [][]uint64
		for _, i := range []uint64{0, 3, 9, 0xffffffff} {
			for _, l := range []uint64{0, 8, 20, 40} {
				inputs = append(inputs, []uint64{i, uint64(r.IntN(30)), l, uint64(r.IntN(40))})
			}
		}
		for _, pass := range []Pass{BCEPass, {"pipeline", Optimize}} {
			h, _ := Parse(text)
			before := countOp(h, OpTrapnz)
			if err := (Pipeline{Passes: []Pass{pass}, Verify: true}).Run(h); err != nil {
				t.Fatalf("seed %d: %v\n%s", seed, err, text)
			}
			if pass.Name == "bce" {
				removed += before - countOp(h, OpTrapnz)
			}
			for _, in := range inputs {
				want, got := interpret(f, in, 10000), interpret(h, in, 10000)
				if got.String() != want.String() {
					t.Fatalf("seed %d: %s changed behaviour on %x:\nbefore %v\nafter  %v\ninput:\n%s\noutput:\n%s", seed, pass.Name, in, want, got, text, h)
				}
			}
		}
	}
	t.Logf("BCE removed %d checks", removed)
	if removed == 0 {
		t.Error("BCE removed no check in any random function")
	}
}

func countOp(f *Func, op Opcode) int {
	n := 0
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			if in.Op == op {
				n++
			}
		}
	}
	return n
}
