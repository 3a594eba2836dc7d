package ssa_test

import (
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
)

// LICM hoists an invariant out of a small loop but not out of one of more
// than MaxHoistBlocks blocks, where the value would stay live across all
// of them.
func TestLICMLoopSizeLimit(t *testing.T) {
	for _, n := range []int{4, MaxHoistBlocks, MaxHoistBlocks + 1} {
		f := NewFunc("loop", Signature{Params: []Type{I32, I32}, Results: []Type{I32}})
		b := NewBuilder(f)
		entry := b.CreateEntryBlock()
		header, exit := b.CreateBlock(), b.CreateBlock()
		b.Jump(header)
		b.SwitchToBlock(header)
		sum := b.Iadd(entry.Params[0], entry.Params[1]) // invariant
		// The loop: header, then n-1 blocks in a chain, the last branching
		// back to the header.
		for range n - 1 {
			next := b.CreateBlock()
			b.Jump(next)
			b.SealBlock(next)
			b.SwitchToBlock(next)
		}
		b.Brif(entry.Params[0], header, nil, exit, nil)
		b.SealBlock(header)
		b.SealBlock(exit)
		b.SwitchToBlock(exit)
		b.Return(sum)
		if err := b.Finish(); err != nil {
			t.Fatal(err)
		}
		LICM(f)
		if err := Verify(f); err != nil {
			t.Fatalf("%d blocks: %v", n, err)
		}
		inst, _ := f.ValueInst(sum)
		hoisted := inst != nil && len(header.Insts) > 0 && !containsInst(header, inst)
		if want := n <= MaxHoistBlocks; hoisted != want {
			t.Errorf("loop of %d blocks: hoisted %v, want %v", n, hoisted, want)
		}
	}
}

func containsInst(b *Block, in *Inst) bool {
	for _, x := range b.Insts {
		if x == in {
			return true
		}
	}
	return false
}
