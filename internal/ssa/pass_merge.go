package ssa

// MergeBlocks joins a block to its successor when the block ends in a jump
// and is the successor's only predecessor: the successor's parameters
// become the jump's arguments and its instructions move up. It removes the
// chains of jumps that folding constant branches leaves behind.
func MergeBlocks(f *Func) {
	pruneOnEntry(f)
	if len(f.Blocks) == 0 {
		f.keepAnalyses()
		f.keepFold()
		return
	}
	sc := f.scratchSpace()
	npreds := resize(sc.edgeCounts, f.NumBlockIDs())
	clear(npreds)
	sc.edgeCounts = npreds
	for _, b := range f.Blocks {
		if t := b.Terminator(); t != nil {
			for _, c := range t.Targets {
				npreds[c.Block.ID]++
			}
		}
	}
	subst := f.newSubst()
	gone := resize(sc.live, f.NumBlockIDs())
	clear(gone)
	sc.live = gone
	merged, substituted := false, false
	for _, b := range f.Blocks {
		if gone[b.ID] {
			continue
		}
		for {
			t := b.Terminator()
			if t == nil || t.Op != OpJump {
				break
			}
			c := t.Targets[0]
			s := c.Block
			if s == b || s == f.Blocks[0] || npreds[s.ID] != 1 || gone[s.ID] {
				break
			}
			for i, p := range s.Params {
				subst[p] = c.Args[i]
				substituted = true
			}
			b.Insts = append(b.Insts[:len(b.Insts)-1], s.Insts...)
			s.Insts = nil
			gone[s.ID] = true
			merged = true
		}
	}
	kept := f.Blocks[:0]
	for _, b := range f.Blocks {
		if !gone[b.ID] {
			kept = append(kept, b)
		}
	}
	clear(f.Blocks[len(kept):])
	f.Blocks = kept
	if substituted { // a merged block had parameters
		f.ReplaceUses(subst)
	} else {
		// Moving a block's instructions up changes no operand.
		f.keepFold()
	}
	if !merged {
		f.keepAnalyses()
	}
}
