package ssa

import (
	"fmt"
	"strings"
	"testing"
)

// TestFoldRunsAgainWhenFed: within a pipeline Fold returns at once unless
// a pass since its last run gave it work (keepFold). Each pass that can
// give it work does so here, with Fold before and after it, and the
// pipeline must fold what the passes run one by one (no shortcuts) fold.
func TestFoldRunsAgainWhenFed(t *testing.T) {
	tests := []struct {
		name   string
		passes []Pass
		input  string
		want   string // in the result
	}{
		{"merge: parameter becomes a constant", []Pass{FoldPass, MergePass, FoldPass}, `function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 3
    jump block1(v1)
block1(v2: i32):
    v3 = iconst.i32 4
    v4 = iadd v2, v3
    return v4
}`, "iconst.i32 7"},
		{"copyprop: parameter becomes a constant", []Pass{FoldPass, CopyPropPass, FoldPass}, `function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 3
    brif v0, block1(v1), block2
block2:
    jump block1(v1)
block1(v2: i32):
    v3 = iconst.i32 4
    v4 = iadd v2, v3
    return v4
}`, "iconst.i32 7"},
		{"gvn: operands become equal", []Pass{FoldPass, GVNPass, FoldPass}, `function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = imul v0, v1
    v3 = imul v0, v1
    v4 = isub v2, v3
    return v4
}`, "iconst.i32 0"},
		{"dce: branch targets become equal", []Pass{FoldPass, DCEPass, FoldPass}, `function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd v0, v1
    brif v0, block1(v0, v1), block1(v0, v2)
block1(v3: i32, v4: i32):
    return v3
}`, "jump block1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			alone, _ := Parse(tt.input)
			if err := (Pipeline{Passes: tt.passes, Verify: true}).Run(f); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.passes {
				if err := (Pipeline{Passes: []Pass{p}, Verify: true}).Run(alone); err != nil {
					t.Fatal(err)
				}
			}
			got, want := f.String(), alone.String()
			if got != want {
				t.Errorf("the pipeline gives\n%s\nits passes one by one\n%s", got, want)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("no %q in\n%s", tt.want, got)
			}
		})
	}
}

// TestPassLoopsAfterLICM: PassLoops hands a later pass LICM's loop forest
// when no pass in between changed a branch, and computes it again when one
// did (here Fold, whose constant condition removes the inner loop's back
// edge): either way it must be the forest of the function as it is.
func TestPassLoopsAfterLICM(t *testing.T) {
	const input = `function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    jump block1(v0)
block1(v2: i32):
    v3 = iconst.i32 0
    jump block2(v2)
block2(v4: i32):
    v5 = iadd v1, v1
    v6 = iadd v4, v5
    brif v3, block2(v6), block3
block3:
    brif v6, block1(v6), block4
block4:
    return v6
}`
	forest := func(lf *LoopForest) string {
		var sb strings.Builder
		for _, l := range lf.Loops {
			sb.WriteString("loop")
			for _, b := range l.Blocks {
				fmt.Fprintf(&sb, " block%d", b.ID)
			}
			sb.WriteString(";")
		}
		return sb.String()
	}
	for _, tt := range []struct {
		name   string
		passes []Pass
		loops  int
	}{
		{"nothing between", []Pass{LICMPass}, 2},
		{"gvn between", []Pass{LICMPass, GVNPass}, 2},
		{"fold removes a loop", []Pass{LICMPass, FoldPass}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(input)
			if err != nil {
				t.Fatal(err)
			}
			var got, want string
			var n int
			check := Pass{"check", func(f *Func) {
				lf := f.PassLoops()
				got, n = forest(lf), len(lf.Loops)
				cfg := ComputeCFG(f)
				want = forest(ComputeLoops(cfg, ComputeDomTree(cfg)))
			}}
			if err := (Pipeline{Passes: append(tt.passes, check), Verify: true}).Run(f); err != nil {
				t.Fatal(err)
			}
			if got != want || n != tt.loops {
				t.Errorf("PassLoops: %s (%d loops), computed afresh: %s, want %d loops", got, n, want, tt.loops)
			}
		})
	}
}
