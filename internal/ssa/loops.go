package ssa

// Loop is a natural loop: a header that dominates a set of blocks with
// back edges to it. Loops with the same header are merged.
type Loop struct {
	Header  *Block
	Blocks  []*Block // the header first, then the rest in RPO
	Latches []*Block // blocks with a back edge to the header
	Parent  *Loop    // the innermost enclosing loop, or nil
	Depth   int      // 1 for an outermost loop
}

// LoopForest holds the natural loops of a function and, for each block, its
// innermost loop. Irreducible cycles (no dominating header) are not loops
// here; WebAssembly's structured control flow never produces them.
type LoopForest struct {
	// Loops are in RPO of their headers: an enclosing loop comes before
	// the loops nested in it.
	Loops     []*Loop
	innermost []*Loop // by Block.ID
}

// ComputeLoops finds the natural loops of the CFG.
func ComputeLoops(cfg *CFG, dom *DomTree) *LoopForest {
	lf := &LoopForest{innermost: make([]*Loop, len(cfg.rpoIndex))}
	inBody := make([]int, len(cfg.rpoIndex)) // loop number + 1 marks membership
	for _, h := range cfg.RPO {
		var latches []*Block
		for _, p := range cfg.Preds[h.ID] {
			if cfg.Reachable(p) && dom.Dominates(h, p) {
				latches = append(latches, p)
			}
		}
		if len(latches) == 0 {
			continue
		}
		l := &Loop{Header: h, Parent: lf.innermost[h.ID]}
		mark := len(lf.Loops) + 1
		// Walk backwards from the latches; the header stops the walk.
		inBody[h.ID] = mark
		work := []*Block{}
		for _, p := range latches {
			if inBody[p.ID] != mark {
				inBody[p.ID] = mark
				work = append(work, p)
			}
			if !containsBlock(l.Latches, p) {
				l.Latches = append(l.Latches, p)
			}
		}
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			for _, p := range cfg.Preds[b.ID] {
				if cfg.Reachable(p) && inBody[p.ID] != mark {
					inBody[p.ID] = mark
					work = append(work, p)
				}
			}
		}
		for _, b := range cfg.RPO[cfg.rpoIndex[h.ID]:] {
			if inBody[b.ID] == mark {
				l.Blocks = append(l.Blocks, b)
				lf.innermost[b.ID] = l
			}
		}
		l.Depth = 1
		if l.Parent != nil {
			l.Depth = l.Parent.Depth + 1
		}
		lf.Loops = append(lf.Loops, l)
	}
	return lf
}

// LoopOf is the innermost loop containing b, or nil.
func (lf *LoopForest) LoopOf(b *Block) *Loop {
	if b == nil || b.ID < 0 || b.ID >= len(lf.innermost) {
		return nil
	}
	return lf.innermost[b.ID]
}

// Depth is the loop nesting depth of b (0 outside loops).
func (lf *LoopForest) Depth(b *Block) int {
	if l := lf.LoopOf(b); l != nil {
		return l.Depth
	}
	return 0
}

// Contains reports whether b is in l (or a loop nested in it).
func (l *Loop) Contains(b *Block) bool { return containsBlock(l.Blocks, b) }

func containsBlock(bs []*Block, b *Block) bool {
	for _, x := range bs {
		if x == b {
			return true
		}
	}
	return false
}
