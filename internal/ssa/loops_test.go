package ssa

import (
	"fmt"
	"testing"
)

// describeLoops prints a forest: each loop's header, blocks in order,
// latches, parent and depth.
func describeLoops(lf *LoopForest) string {
	s := ""
	for _, l := range lf.Loops {
		parent := -1
		if l.Parent != nil {
			parent = l.Parent.Header.ID
		}
		s += fmt.Sprintf("header %d blocks", l.Header.ID)
		for _, b := range l.Blocks {
			s += fmt.Sprintf(" %d", b.ID)
		}
		s += " latches"
		for _, b := range l.Latches {
			s += fmt.Sprintf(" %d", b.ID)
		}
		s += fmt.Sprintf(" parent %d depth %d\n", parent, l.Depth)
	}
	return s
}

// A forest computed into reused storage (LICM's, function after function)
// is the one ComputeLoops makes afresh, bodies in RPO order.
func TestLoopsReused(t *testing.T) {
	nested, err := Parse(`function %f(i32) {
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
}
`)
	if err != nil {
		t.Fatal(err)
	}
	// Body blocks laid out against RPO: the walk from the latches meets
	// them in another order than the RPO's.
	siblings, err := Parse(`function %g(i32) {
block0(v0: i32):
    jump block1
block1:
    brif v0, block4, block2
block2:
    brif v0, block3, block1
block3:
    jump block1
block4:
    brif v0, block5, block6
block5:
    jump block4
block6:
    return
}
`)
	if err != nil {
		t.Fatal(err)
	}
	var reused LoopForest
	for _, f := range []*Func{nested, siblings, nested} {
		cfg := ComputeCFG(f)
		dom := ComputeDomTree(cfg)
		want := describeLoops(ComputeLoops(cfg, dom))
		reused.compute(cfg, dom)
		if got := describeLoops(&reused); got != want {
			t.Errorf("%s: reused forest\n%s\nwant\n%s", f.Name, got, want)
		}
		for _, l := range reused.Loops {
			for i := 1; i < len(l.Blocks); i++ {
				if cfg.RPOIndex(l.Blocks[i-1]) >= cfg.RPOIndex(l.Blocks[i]) {
					t.Errorf("%s: loop at block%d: blocks not in RPO order", f.Name, l.Header.ID)
				}
			}
		}
	}
	if got := describeLoops(&reused); got != "header 1 blocks 1 2 3 4 latches 4 parent -1 depth 1\nheader 3 blocks 3 latches 3 parent 1 depth 2\n" {
		t.Errorf("nested loops:\n%s", got)
	}
}
