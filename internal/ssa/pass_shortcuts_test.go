package ssa_test

import (
	"math/rand/v2"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// TestLoopBodiesInRPO: each loop lists its header and then exactly the
// blocks it contains, in RPO, whether the body was collected by scanning
// the RPO or sorted (orderBody), on random functions as built and after
// the passes before LICM.
func TestLoopBodiesInRPO(t *testing.T) {
	for seed := range 300 {
		f := randomFunc(rand.New(rand.NewPCG(uint64(seed), 11)))
		for round := range 2 {
			if round == 1 {
				Fold(f)
				CopyProp(f)
				MergeBlocks(f)
			}
			cfg := ComputeCFG(f)
			lf := ComputeLoops(cfg, ComputeDomTree(cfg))
			for _, l := range lf.Loops {
				if l.Blocks[0] != l.Header {
					t.Fatalf("seed %d: loop of block%d lists block%d first", seed, l.Header.ID, l.Blocks[0].ID)
				}
				want := []*Block{}
				for _, b := range cfg.RPO {
					if b != l.Header && l.Contains(b) {
						want = append(want, b)
					}
				}
				got := l.Blocks[1:]
				if len(got) != len(want) {
					t.Fatalf("seed %d: loop of block%d has %d body blocks, want %d", seed, l.Header.ID, len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("seed %d: loop of block%d: body[%d] is block%d, want block%d", seed, l.Header.ID, i, got[i].ID, want[i].ID)
					}
				}
			}
		}
	}
}

// TestCopyPropLeavesNoTrivialParam: after CopyProp no parameter of a
// block other than the entry is passed one value besides itself on every
// branch, so the walk that lets CopyProp return early (anyTrivialParam)
// misses none; random functions as built and after Fold.
func TestCopyPropLeavesNoTrivialParam(t *testing.T) {
	for seed := range 400 {
		f := randomFunc(rand.New(rand.NewPCG(uint64(seed), 13)))
		if seed%2 == 1 {
			Fold(f)
		}
		CopyProp(f)
		if b, p, ok := trivialParam(f); ok {
			t.Fatalf("seed %d: block%d's parameter v%d is trivial after CopyProp:\n%s", seed, b.ID, p, f)
		}
	}
}

// trivialParam finds a parameter that every branch to its block passes
// one value, or the parameter itself (ignored), with at least one other.
func trivialParam(f *Func) (*Block, Value, bool) {
	type arg struct {
		v    Value
		many bool
	}
	seen := map[Value]*arg{}
	for _, b := range f.Blocks {
		t := b.Terminator()
		if t == nil {
			continue
		}
		for _, c := range t.Targets {
			if c.Block == f.Blocks[0] {
				continue
			}
			for i, p := range c.Block.Params {
				a := seen[p]
				if a == nil {
					a = &arg{v: NoValue}
					seen[p] = a
				}
				switch {
				case i >= len(c.Args):
					a.many = true
				case c.Args[i] == p:
				case a.v == NoValue:
					a.v = c.Args[i]
				case a.v != c.Args[i]:
					a.many = true
				}
			}
		}
	}
	for _, b := range f.Blocks[1:] {
		for _, p := range b.Params {
			if a := seen[p]; a != nil && !a.many && a.v != NoValue {
				return b, p, true
			}
		}
	}
	return nil, 0, false
}
