package ssa

import (
	"math/rand/v2"
	"testing"
)

// TestVarDefsAgainstMap checks the table against a map over functions of
// very different sizes in turn (a large one first, as compilation goes,
// then small ones in the storage it left, then larger again), with the
// generation wrapping round once.
func TestVarDefsAgainstMap(t *testing.T) {
	var defs varDefs
	r := rand.New(rand.NewPCG(1, 2))
	blocks := make([]Block, 300)
	for i := range blocks {
		blocks[i].ID = i
	}
	for round, n := range []int{20000, 10, 0, 300, 5, 50000, 1, 4000} {
		if round == 4 {
			defs.gen = ^uint32(0) - 1 // wraps in this round's grows
		}
		defs.reset()
		if round%2 == 1 {
			defs.expect(n / 3) // too small a guess: the table still grows
		}
		want := map[[2]int]Value{}
		for range n {
			b, v := r.IntN(len(blocks)), r.IntN(200)
			val := Value(r.IntN(1 << 20))
			defs.set(&blocks[b], Variable(v), val)
			want[[2]int{b, v}] = val
		}
		for b := range blocks {
			for v := range 200 {
				got, ok := defs.get(&blocks[b], Variable(v))
				w, wok := want[[2]int{b, v}]
				if ok != wok || ok && got != w {
					t.Fatalf("round %d: block%d var %d: got %v %v, want %v %v", round, b, v, got, ok, w, wok)
				}
			}
		}
		if round > 0 && 3*n < varDefsInitialSlots && len(defs.slots) != varDefsInitialSlots {
			t.Errorf("round %d: %d entries in a table of %d slots", round, n, len(defs.slots))
		}
	}
}
