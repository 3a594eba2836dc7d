package ssa

// Keeping the CFG current through MergeBlocks, which would otherwise make
// the next pass (GVN) compute it again: joining s to its only predecessor
// b, which jumps to it, changes the CFG in a way that can be written down
// directly, and the result is exactly what compute would give.
//
//   - b's successors become s's, in the same order; s leaves the layout.
//   - Each successor t of s lists b where it listed s (as many times), at
//     b's place in the layout: compute lists a block's predecessors in
//     layout order, which the list keeps.
//   - RPO loses s and is otherwise the same: the depth-first search that
//     numbers it reaches s only from b, whose one successor s is, so it
//     visits from b what it visited from s, in the same order.

// layoutPositions fills pos, by block ID, with each block's index in the
// layout.
func layoutPositions(f *Func, pos []int32) {
	for i, b := range f.Blocks {
		pos[b.ID] = int32(i)
	}
}

// absorb records in c that b, which ends in a jump to s, its only
// successor, has taken s's instructions and branch, s leaving the layout.
// pos holds the layout positions from before any block left it. RPO is
// brought up to date by dropMerged once the merges are done.
func (c *CFG) absorb(b, s *Block, pos []int32) {
	succs := c.Succs[s.ID]
	c.Succs[b.ID] = succs
	c.Succs[s.ID], c.Preds[s.ID] = nil, nil
	c.inLayout[s.ID] = false
	for _, t := range succs {
		c.Preds[t.ID] = replacePred(c.Preds[t.ID], s, b, pos)
	}
}

// replacePred rewrites the entries of s in preds (in layout order, s's
// entries next to each other) into as many of b, placed at b's position
// in the layout. A successor that s reaches by several edges is seen
// several times: after the first, preds holds no s.
func replacePred(preds []*Block, s, b *Block, pos []int32) []*Block {
	at := searchLayout(preds, pos[s.ID], pos)
	if at == len(preds) || preds[at] != s {
		// Not where the layout says (or not there at all): look.
		at = 0
		for at < len(preds) && preds[at] != s {
			at++
		}
	}
	k := 0
	for at+k < len(preds) && preds[at+k] == s {
		k++
	}
	if k == 0 {
		return preds
	}
	// Remove the k entries, then open k slots where b belongs.
	rest := append(preds[:at], preds[at+k:]...)
	to := searchLayout(rest, pos[b.ID], pos)
	preds = preds[:len(rest)+k]
	copy(preds[to+k:], rest[to:])
	for i := to; i < to+k; i++ {
		preds[i] = b
	}
	return preds
}

// searchLayout is the first index of preds (in layout order) whose block
// is at layout position p or after it.
func searchLayout(preds []*Block, p int32, pos []int32) int {
	lo, hi := 0, len(preds)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if pos[preds[mid].ID] < p {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// dropMerged removes the blocks that left the layout (gone, by block ID)
// from RPO and renumbers it.
func (c *CFG) dropMerged(gone []bool) {
	kept := c.RPO[:0]
	for _, b := range c.RPO {
		if gone[b.ID] {
			c.rpoIndex[b.ID] = -1
			continue
		}
		c.rpoIndex[b.ID] = len(kept)
		kept = append(kept, b)
	}
	clear(c.RPO[len(kept):])
	c.RPO = kept
}
