package ssa

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

// mergedCFGChecks counts the CFGs MergeBlocks kept current and the tests
// compared with fresh ones.
var mergedCFGChecks atomic.Int64

func init() {
	// Every test of the package that runs MergeBlocks in a pipeline
	// compares the CFG it kept current with one computed afresh.
	checkMergedCFG = func(f *Func, cfg *CFG) {
		mergedCFGChecks.Add(1)
		if err := sameCFG(cfg, ComputeCFG(f)); err != nil {
			panic(fmt.Sprintf("MergeBlocks kept a CFG unlike the computed one: %v\n%s", err, f))
		}
	}
}

// sameCFG reports how kept differs from fresh, if it does: the same
// predecessors and successors in the same order, and the same RPO.
func sameCFG(kept, fresh *CFG) error {
	if !slices.Equal(kept.RPO, fresh.RPO) {
		return fmt.Errorf("RPO %v, want %v", blockIDs(kept.RPO), blockIDs(fresh.RPO))
	}
	for _, b := range fresh.RPO {
		if kept.RPOIndex(b) != fresh.RPOIndex(b) {
			return fmt.Errorf("block%d at RPO index %d, want %d", b.ID, kept.RPOIndex(b), fresh.RPOIndex(b))
		}
		if !slices.Equal(kept.Preds[b.ID], fresh.Preds[b.ID]) {
			return fmt.Errorf("block%d's predecessors %v, want %v", b.ID, blockIDs(kept.Preds[b.ID]), blockIDs(fresh.Preds[b.ID]))
		}
		if !slices.Equal(kept.Succs[b.ID], fresh.Succs[b.ID]) {
			return fmt.Errorf("block%d's successors %v, want %v", b.ID, blockIDs(kept.Succs[b.ID]), blockIDs(fresh.Succs[b.ID]))
		}
	}
	for id := range fresh.rpoIndex {
		if fresh.rpoIndex[id] < 0 && id < len(kept.rpoIndex) && kept.rpoIndex[id] >= 0 {
			return fmt.Errorf("block%d in RPO, want it out", id)
		}
	}
	return nil
}

func blockIDs(bs []*Block) []int {
	ids := make([]int, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return ids
}

// TestMergeKeepsCFG runs MergeBlocks after Fold (which hands on its CFG)
// on functions whose merges move a successor's predecessor entries across
// other predecessors in the layout, and checks (through checkMergedCFG)
// that the CFG kept is the one computed afresh.
func TestMergeKeepsCFG(t *testing.T) {
	before := mergedCFGChecks.Load()
	for _, src := range []string{
		// block1 jumps to block3, its only predecessor: block3's branch
		// to block4 moves from after block2's to before it.
		`function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    jump block3
block2:
    jump block4(v0)
block3:
    jump block4(v0)
block4(v1: i32):
    return v1
}`,
		// A chain of three merges into the entry, the last reaching one
		// block twice (brif with equal targets is folded first, so br_table).
		`function %g(i32) -> i32 {
block0(v0: i32):
    jump block1
block1:
    jump block2
block2:
    br_table v0, block3, [block3, block4]
block4:
    jump block3
block3:
    return v0
}`,
		// A loop whose latch merges into the block before it.
		`function %h(i32) -> i32 {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    brif v1, block2, block4
block2:
    v2 = iadd v1, v1
    jump block3
block3:
    jump block1(v2)
block4:
    return v1
}`,
	} {
		f, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := (Pipeline{Passes: []Pass{FoldPass, MergePass}, Verify: true}).Run(f); err != nil {
			t.Fatal(err)
		}
	}
	if mergedCFGChecks.Load() == before {
		t.Fatal("MergeBlocks kept no CFG current")
	}
}
