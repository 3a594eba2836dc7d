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
	// A CFG handed on is kept current (cfg_merge.go).
	var cfg *CFG
	if sc.inPipeline && sc.cfgValidAt == sc.run {
		cfg = &sc.cfg
		sc.layoutPos = resize(sc.layoutPos, f.NumBlockIDs())
		layoutPositions(f, sc.layoutPos)
	}
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
			if cfg != nil {
				cfg.absorb(b, s, sc.layoutPos)
			}
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
	switch {
	case !merged:
		f.keepAnalyses()
	case cfg != nil:
		cfg.dropMerged(gone)
		f.keepCFG()
		if checkMergedCFG != nil {
			checkMergedCFG(f, cfg)
		}
	}
}

// checkMergedCFG, when set (by tests), is given the CFG MergeBlocks kept
// current, to compare with one computed afresh.
var checkMergedCFG func(f *Func, cfg *CFG)
