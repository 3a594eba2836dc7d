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
