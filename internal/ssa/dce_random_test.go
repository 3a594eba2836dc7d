package ssa_test

import (
	"math/rand/v2"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// TestDCEMatchesReferenceRandom compares DCE with ReferenceDCE on random
// functions, as built (loops whose parameters are live only around the
// loop included) and after Fold, which leaves dead constants.
func TestDCEMatchesReferenceRandom(t *testing.T) {
	for seed := range 400 {
		text := randomFunc(rand.New(rand.NewPCG(uint64(seed), 7))).String()
		folded, _ := Parse(text)
		Fold(folded)
		for _, in := range []string{text, folded.String()} {
			got, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := Parse(in)
			DCE(got)
			ReferenceDCE(want)
			if got.String() != want.String() {
				t.Fatalf("seed %d: DCE gives\n%s\nthe reference\n%s\ninput:\n%s", seed, got, want, in)
			}
		}
	}
}

// TestDCEInPipelineMatchesReference compares DCE run in a pipeline after
// passes that hand on a current CFG (so that it finds the branches into
// a block from the block's predecessors) with ReferenceDCE after the same
// passes run alone.
func TestDCEInPipelineMatchesReference(t *testing.T) {
	for seed := range 400 {
		text := randomFunc(rand.New(rand.NewPCG(uint64(seed), 17))).String()
		got, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Parse(text)
		if err := (Pipeline{Passes: []Pass{FoldPass, MergePass, DCEPass}, Verify: true}).Run(got); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		Fold(want)
		MergeBlocks(want)
		ReferenceDCE(want)
		if got.String() != want.String() {
			t.Fatalf("seed %d: DCE in a pipeline gives\n%s\nthe reference\n%s\ninput:\n%s", seed, got, want, text)
		}
	}
}
