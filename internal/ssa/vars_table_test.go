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

// TestVarDefsDenseThenTable: a function's definitions kept in lists by
// variable move into the table when a declaration passes maxDenseVars,
// and read the same before and after; hashOnly keeps them in the table.
func TestVarDefsDenseThenTable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	blocks := make([]Block, 500)
	for i := range blocks {
		blocks[i].ID = i
	}
	for _, hashOnly := range []bool{false, true} {
		var defs varDefs
		defs.hashOnly = hashOnly
		for round := range 3 {
			defs.reset()
			want := map[[2]int]Value{}
			check := func(stage string, vars int) {
				t.Helper()
				for b := range blocks {
					for v := range vars {
						got, ok := defs.get(&blocks[b], Variable(v))
						w, wok := want[[2]int{b, v}]
						if ok != wok || ok && got != w {
							t.Fatalf("hashOnly %v round %d %s: block%d var %d: got %v %v, want %v %v", hashOnly, round, stage, b, v, got, ok, w, wok)
						}
					}
				}
			}
			set := func(n, vars int) {
				for range n {
					b, v := r.IntN(len(blocks)), r.IntN(vars)
					val := Value(r.IntN(1<<20)) - 3 // mergePending and mergeReading too
					defs.set(&blocks[b], Variable(v), val)
					want[[2]int{b, v}] = val
				}
			}
			defs.declared(maxDenseVars)
			set(3000, maxDenseVars)
			if defs.dense == hashOnly {
				t.Fatalf("hashOnly %v: dense %v with %d variables", hashOnly, defs.dense, maxDenseVars)
			}
			check("lists", maxDenseVars)
			if round == 1 {
				continue // the next reset starts with lists of every length
			}
			defs.declared(maxDenseVars + 1)
			if defs.dense {
				t.Fatalf("still dense with %d variables", maxDenseVars+1)
			}
			check("moved", maxDenseVars+1)
			set(3000, 3*maxDenseVars)
			check("table", 3*maxDenseVars)
		}
	}
}
