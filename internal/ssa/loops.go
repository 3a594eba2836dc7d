package ssa

import (
	"cmp"
	"slices"
)

// Loop is a natural loop: a header that dominates a set of blocks with
// back edges to it. Loops with the same header are merged.
type Loop struct {
	Header  *Block
	Blocks  []*Block // the header first, then the rest in RPO
	Latches []*Block // blocks with a back edge to the header
	Parent  *Loop    // the innermost enclosing loop, or nil
	Depth   int      // 1 for an outermost loop
	// forest is the LoopForest that computed the loop: Contains asks it
	// for a block's innermost loop.
	forest *LoopForest
}

// LoopForest holds the natural loops of a function and, for each block, its
// innermost loop. Irreducible cycles (no dominating header) are not loops
// here; WebAssembly's structured control flow never produces them.
type LoopForest struct {
	// Loops are in RPO of their headers: an enclosing loop comes before
	// the loops nested in it.
	Loops     []*Loop
	innermost []*Loop // by Block.ID

	// Storage a recomputation reuses (LICM's, function after function).
	records []*Loop  // every Loop made so far, handed out again in order
	inBody  []int32  // by Block.ID: loop number + 1 marks membership
	work    []*Block // the backward walk's stack
}

// ComputeLoops finds the natural loops of the CFG.
func ComputeLoops(cfg *CFG, dom *DomTree) *LoopForest {
	lf := &LoopForest{}
	lf.compute(cfg, dom)
	return lf
}

// compute fills lf with the CFG's loops, reusing lf's storage: the Loops
// of an earlier computation are overwritten.
func (lf *LoopForest) compute(cfg *CFG, dom *DomTree) {
	n := len(cfg.rpoIndex)
	lf.innermost = resize(lf.innermost, n)
	clear(lf.innermost)
	lf.inBody = resize(lf.inBody, n)
	clear(lf.inBody)
	lf.Loops = lf.Loops[:0]
	inBody := lf.inBody
	for _, h := range cfg.RPO {
		hasLatch := false
		for _, p := range cfg.Preds[h.ID] {
			if cfg.Reachable(p) && dom.Dominates(h, p) {
				hasLatch = true
				break
			}
		}
		if !hasLatch {
			continue
		}
		l := lf.newLoop()
		l.Header, l.Parent = h, lf.innermost[h.ID]
		mark := int32(len(lf.Loops) + 1)
		// Walk backwards from the latches; the header stops the walk.
		inBody[h.ID] = mark
		work := lf.work[:0]
		selfLatch := false // the header is its own latch
		for _, p := range cfg.Preds[h.ID] {
			if !cfg.Reachable(p) || !dom.Dominates(h, p) {
				continue
			}
			// Each latch listed once, at its first edge (a pred has one
			// entry per edge; Go's resume loop has thousands of latches).
			if p == h {
				if !selfLatch {
					selfLatch = true
					l.Latches = append(l.Latches, p)
				}
			} else if inBody[p.ID] != mark {
				inBody[p.ID] = mark
				work = append(work, p)
				l.Latches = append(l.Latches, p)
			}
		}
		l.Blocks = append(l.Blocks, h)
		last := cfg.rpoIndex[h.ID] // the body's last block in RPO
		for len(work) > 0 {
			b := work[len(work)-1]
			work = work[:len(work)-1]
			l.Blocks = append(l.Blocks, b)
			last = max(last, cfg.rpoIndex[b.ID])
			for _, p := range cfg.Preds[b.ID] {
				if cfg.Reachable(p) && inBody[p.ID] != mark {
					inBody[p.ID] = mark
					work = append(work, p)
				}
			}
		}
		lf.work = work
		lf.orderBody(cfg, l, last, mark)
		for _, b := range l.Blocks {
			lf.innermost[b.ID] = l
		}
		l.Depth = 1
		if l.Parent != nil {
			l.Depth = l.Parent.Depth + 1
		}
		lf.Loops = append(lf.Loops, l)
	}
}

// orderBody puts l's body in RPO (the header first: it precedes its
// body). The body lies between the header and last in the RPO; when few
// other blocks lie there (Go's resumption loop is nearly the whole
// function), the blocks are collected by scanning that stretch for the
// loop's mark, which costs less than sorting them; otherwise they are
// sorted, since the stretch may hold the rest of the function for each
// small loop. Both give the same order.
func (lf *LoopForest) orderBody(cfg *CFG, l *Loop, last int, mark int32) {
	body := l.Blocks[1:]
	first := cfg.rpoIndex[l.Header.ID] + 1
	if span := last - first + 1; span > 4*len(body) {
		slices.SortFunc(body, func(a, b *Block) int { return cmp.Compare(cfg.rpoIndex[a.ID], cfg.rpoIndex[b.ID]) })
		return
	}
	n := 0
	for _, b := range cfg.RPO[first : last+1] {
		if lf.inBody[b.ID] == mark {
			body[n] = b
			n++
		}
	}
}

// newLoop is the next Loop record, empty, its slices' memory kept.
func (lf *LoopForest) newLoop() *Loop {
	i := len(lf.Loops)
	if i == len(lf.records) {
		lf.records = append(lf.records, &Loop{})
	}
	l := lf.records[i]
	*l = Loop{Blocks: l.Blocks[:0], Latches: l.Latches[:0], forest: lf}
	return l
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
// It walks from b's innermost loop out to l's depth: natural loops with
// different headers are disjoint or nested, so that is where l must be if
// b is in it (a scan of l.Blocks cost the loop's size for each question:
// the preheader search asks it of each of the header's predecessors).
func (l *Loop) Contains(b *Block) bool {
	if l.forest == nil { // a Loop not made by a LoopForest
		return containsBlock(l.Blocks, b)
	}
	for x := l.forest.LoopOf(b); x != nil && x.Depth >= l.Depth; x = x.Parent {
		if x == l {
			return true
		}
	}
	return false
}

func containsBlock(bs []*Block, b *Block) bool {
	for _, x := range bs {
		if x == b {
			return true
		}
	}
	return false
}
