package ssa_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// Loop.Contains, which walks out from a block's innermost loop, answers
// as a scan of the loop's body does, and each loop's latches are its
// header's distinct dominated predecessors in the order of their first
// edge, on random functions (random branches between blocks, so loops
// of every nesting, and cycles that are no natural loop).
func TestLoopContainsMatchesBody(t *testing.T) {
	loops := 0
	for seed := range 300 {
		f := randomFunc(rand.New(rand.NewPCG(uint64(seed), 11)))
		cfg := ComputeCFG(f)
		dom := ComputeDomTree(cfg)
		lf := ComputeLoops(cfg, dom)
		for _, l := range lf.Loops {
			loops++
			for _, b := range f.Blocks {
				if got, want := l.Contains(b), slices.Contains(l.Blocks, b); got != want {
					t.Fatalf("seed %d: loop at block%d: Contains(block%d) = %v, its body says %v\n%s", seed, l.Header.ID, b.ID, got, want, f)
				}
			}
			var latches []*Block
			for _, p := range cfg.Preds[l.Header.ID] {
				if cfg.Reachable(p) && dom.Dominates(l.Header, p) && !slices.Contains(latches, p) {
					latches = append(latches, p)
				}
			}
			if !slices.Equal(l.Latches, latches) {
				t.Fatalf("seed %d: loop at block%d: latches %v, want %v", seed, l.Header.ID, blockIDs(l.Latches), blockIDs(latches))
			}
		}
	}
	t.Logf("%d loops", loops)
	if loops < 100 {
		t.Fatalf("only %d loops in the random functions", loops)
	}
}

func blockIDs(bs []*Block) []int {
	ids := make([]int, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}
