package ssa

// CFG is the control-flow graph of a function: successors and
// predecessors by block ID, and the reachable blocks in reverse postorder.
// It is a snapshot: recompute it after changing branches or blocks.
type CFG struct {
	f *Func
	// Preds and Succs are indexed by Block.ID and hold one entry per
	// edge, so a block reached twice from one brif appears twice.
	Preds [][]*Block
	Succs [][]*Block
	// RPO lists the blocks reachable from the entry in reverse postorder:
	// every block comes after its dominators.
	RPO      []*Block
	rpoIndex []int // by Block.ID; -1 for unreachable blocks

	// Scratch kept between computations so a recomputation into the same
	// CFG (the passes' cached one) allocates nothing in steady state.
	edges    []*Block // every edge twice: successor lists, then predecessor lists
	counts   []int32  // by Block.ID
	inLayout []bool
	stack    []dfsFrame
}

type dfsFrame struct {
	b    *Block
	next int
}

// ComputeCFG builds the CFG of f. Branch targets that are nil or have IDs
// outside f's range are ignored (Verify reports them).
func ComputeCFG(f *Func) *CFG {
	c := &CFG{}
	c.compute(f)
	return c
}

// validTarget reports whether s is a branch target the CFG records.
func (c *CFG) validTarget(s *Block) bool {
	return s != nil && s.ID >= 0 && s.ID < len(c.inLayout) && c.inLayout[s.ID]
}

// compute fills c with f's CFG, reusing c's storage. The edge lists are
// windows of one flat array (counted first, then filled).
func (c *CFG) compute(f *Func) {
	n := f.NumBlockIDs()
	c.f = f
	c.Preds = resize(c.Preds, n)
	c.Succs = resize(c.Succs, n)
	c.rpoIndex = resize(c.rpoIndex, n)
	c.counts = resize(c.counts, n)
	c.inLayout = resize(c.inLayout, n)
	clear(c.Preds)
	clear(c.Succs)
	clear(c.counts)
	clear(c.inLayout)
	for _, b := range f.Blocks {
		if b.ID >= 0 && b.ID < n {
			c.inLayout[b.ID] = true
		}
	}
	// Count: successor edges per block go into place directly; counts
	// collects the predecessor edges per target.
	numEdges := 0
	for _, b := range f.Blocks {
		if b.ID < 0 || b.ID >= n {
			continue
		}
		if t := b.Terminator(); t != nil {
			for _, tc := range t.Targets {
				if c.validTarget(tc.Block) {
					numEdges++
					c.counts[tc.Block.ID]++
				}
			}
		}
	}
	c.edges = resize(c.edges, 2*numEdges)
	succPos, predPos := 0, numEdges
	for i, k := range c.counts {
		if k > 0 {
			c.Preds[i] = c.edges[predPos : predPos : predPos+int(k)]
			predPos += int(k)
		}
	}
	for _, b := range f.Blocks {
		if b.ID < 0 || b.ID >= n {
			continue
		}
		t := b.Terminator()
		if t == nil {
			continue
		}
		start := succPos
		for _, tc := range t.Targets {
			s := tc.Block
			if !c.validTarget(s) {
				continue
			}
			c.edges[succPos] = s
			succPos++
			c.Preds[s.ID] = append(c.Preds[s.ID], b)
		}
		if succPos > start {
			c.Succs[b.ID] = c.edges[start:succPos:succPos]
		}
	}
	for i := range c.rpoIndex {
		c.rpoIndex[i] = -1
	}
	c.RPO = c.RPO[:0]
	entry := f.Entry()
	if entry == nil || entry.ID < 0 || entry.ID >= n {
		return
	}
	// Iterative depth-first search; postorder reversed is RPO. rpoIndex
	// doubles as the visited mark (-2) until the numbering at the end.
	stack := append(c.stack[:0], dfsFrame{entry, 0})
	c.rpoIndex[entry.ID] = -2
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		succs := c.Succs[top.b.ID]
		if top.next < len(succs) {
			s := succs[top.next]
			top.next++
			if c.rpoIndex[s.ID] == -1 {
				c.rpoIndex[s.ID] = -2
				stack = append(stack, dfsFrame{s, 0})
			}
			continue
		}
		c.RPO = append(c.RPO, top.b)
		stack = stack[:len(stack)-1]
	}
	c.stack = stack
	post := c.RPO
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	for i, b := range c.RPO {
		c.rpoIndex[b.ID] = i
	}
}

// resize returns s with length n, reusing its storage when large enough.
// The contents are unspecified.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// Reachable reports whether b can be reached from the entry.
func (c *CFG) Reachable(b *Block) bool { return c.RPOIndex(b) >= 0 }

// RPOIndex is b's position in RPO, or -1 if b is unreachable.
func (c *CFG) RPOIndex(b *Block) int {
	if b == nil || b.ID < 0 || b.ID >= len(c.rpoIndex) {
		return -1
	}
	return c.rpoIndex[b.ID]
}

// DomTree is the dominator tree of the reachable blocks, computed with the
// algorithm of Cooper, Harvey and Kennedy, "A Simple, Fast Dominance
// Algorithm" (2001).
type DomTree struct {
	cfg      *CFG
	idom     []*Block   // by Block.ID; nil for the entry and unreachable blocks
	children [][]*Block // by Block.ID, in RPO; windows of kids
	pre      []int      // by Block.ID: preorder number in the tree
	last     []int      // by Block.ID: largest preorder number in the subtree

	// Scratch kept for recomputation into the same DomTree.
	kids   []*Block
	idx    []int
	counts []int32
	stack  []dfsFrame
}

// ComputeDomTree computes the dominator tree from a CFG.
func ComputeDomTree(cfg *CFG) *DomTree {
	d := &DomTree{}
	d.compute(cfg)
	return d
}

// compute fills d with cfg's dominator tree, reusing d's storage.
func (d *DomTree) compute(cfg *CFG) {
	n := len(cfg.rpoIndex)
	d.cfg = cfg
	d.idom = resize(d.idom, n)
	d.children = resize(d.children, n)
	d.pre = resize(d.pre, n)
	d.last = resize(d.last, n)
	clear(d.idom)
	clear(d.children)
	clear(d.last)
	for i := range d.pre {
		d.pre[i] = -1
	}
	if len(cfg.RPO) == 0 {
		return
	}
	// idx holds immediate dominators as RPO indices; -1 = not yet known.
	idx := resize(d.idx, len(cfg.RPO))
	d.idx = idx
	for i := range idx {
		idx[i] = -1
	}
	idx[0] = 0
	intersect := func(a, b int) int {
		for a != b {
			for a > b {
				a = idx[a]
			}
			for b > a {
				b = idx[b]
			}
		}
		return a
	}
	for changed := true; changed; {
		changed = false
		for i := 1; i < len(cfg.RPO); i++ {
			newIdom := -1
			for _, p := range cfg.Preds[cfg.RPO[i].ID] {
				pi := cfg.rpoIndex[p.ID]
				if pi < 0 || idx[pi] < 0 {
					continue
				}
				if newIdom < 0 {
					newIdom = pi
				} else {
					newIdom = intersect(pi, newIdom)
				}
			}
			if newIdom != idx[i] {
				idx[i] = newIdom
				changed = true
			}
		}
	}
	// Children lists are windows of one array, filled in RPO.
	d.counts = resize(d.counts, n)
	clear(d.counts)
	for i := 1; i < len(cfg.RPO); i++ {
		d.counts[cfg.RPO[idx[i]].ID]++
	}
	d.kids = resize(d.kids, len(cfg.RPO)-1)
	pos := 0
	for id, k := range d.counts {
		if k > 0 {
			d.children[id] = d.kids[pos : pos : pos+int(k)]
			pos += int(k)
		}
	}
	for i := 1; i < len(cfg.RPO); i++ {
		b, parent := cfg.RPO[i], cfg.RPO[idx[i]]
		d.idom[b.ID] = parent
		d.children[parent.ID] = append(d.children[parent.ID], b)
	}
	// Number the tree in preorder so Dominates is two comparisons.
	counter := 0
	stack := append(d.stack[:0], dfsFrame{cfg.RPO[0], 0})
	d.pre[cfg.RPO[0].ID] = counter
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		kids := d.children[top.b.ID]
		if top.next < len(kids) {
			k := kids[top.next]
			top.next++
			counter++
			d.pre[k.ID] = counter
			stack = append(stack, dfsFrame{k, 0})
			continue
		}
		d.last[top.b.ID] = counter
		stack = stack[:len(stack)-1]
	}
	d.stack = stack
}

// Idom is b's immediate dominator (nil for the entry or unreachable b).
func (d *DomTree) Idom(b *Block) *Block {
	if b == nil || b.ID < 0 || b.ID >= len(d.idom) {
		return nil
	}
	return d.idom[b.ID]
}

// Children are the blocks b immediately dominates, in RPO.
func (d *DomTree) Children(b *Block) []*Block {
	if b == nil || b.ID < 0 || b.ID >= len(d.children) {
		return nil
	}
	return d.children[b.ID]
}

// Dominates reports whether every path from the entry to b passes through
// a (a block dominates itself). Unreachable blocks dominate nothing and
// are dominated by nothing.
func (d *DomTree) Dominates(a, b *Block) bool {
	if a == nil || b == nil || a.ID < 0 || b.ID < 0 || a.ID >= len(d.pre) || b.ID >= len(d.pre) {
		return false
	}
	pa, pb := d.pre[a.ID], d.pre[b.ID]
	if pa < 0 || pb < 0 || !d.cfg.Reachable(a) || !d.cfg.Reachable(b) {
		return false
	}
	return pa <= pb && pb <= d.last[a.ID]
}
