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
}

// ComputeCFG builds the CFG of f. Branch targets that are nil or have IDs
// outside f's range are ignored (Verify reports them).
func ComputeCFG(f *Func) *CFG {
	n := f.NumBlockIDs()
	c := &CFG{f: f, Preds: make([][]*Block, n), Succs: make([][]*Block, n), rpoIndex: make([]int, n)}
	inLayout := make([]bool, n)
	for _, b := range f.Blocks {
		if b.ID >= 0 && b.ID < n {
			inLayout[b.ID] = true
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
		for _, tc := range t.Targets {
			s := tc.Block
			if s == nil || s.ID < 0 || s.ID >= n || !inLayout[s.ID] {
				continue
			}
			c.Succs[b.ID] = append(c.Succs[b.ID], s)
			c.Preds[s.ID] = append(c.Preds[s.ID], b)
		}
	}
	for i := range c.rpoIndex {
		c.rpoIndex[i] = -1
	}
	entry := f.Entry()
	if entry == nil || entry.ID < 0 || entry.ID >= n {
		return c
	}
	// Iterative depth-first search; postorder reversed is RPO.
	type frame struct {
		b    *Block
		next int
	}
	visited := make([]bool, n)
	var post []*Block
	stack := []frame{{entry, 0}}
	visited[entry.ID] = true
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		succs := c.Succs[top.b.ID]
		if top.next < len(succs) {
			s := succs[top.next]
			top.next++
			if !visited[s.ID] {
				visited[s.ID] = true
				stack = append(stack, frame{s, 0})
			}
			continue
		}
		post = append(post, top.b)
		stack = stack[:len(stack)-1]
	}
	c.RPO = make([]*Block, len(post))
	for i, b := range post {
		j := len(post) - 1 - i
		c.RPO[j] = b
		c.rpoIndex[b.ID] = j
	}
	return c
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
	children [][]*Block // by Block.ID, in RPO
	pre      []int      // by Block.ID: preorder number in the tree
	last     []int      // by Block.ID: largest preorder number in the subtree
}

// ComputeDomTree computes the dominator tree from a CFG.
func ComputeDomTree(cfg *CFG) *DomTree {
	n := len(cfg.rpoIndex)
	d := &DomTree{cfg: cfg, idom: make([]*Block, n), children: make([][]*Block, n),
		pre: make([]int, n), last: make([]int, n)}
	if len(cfg.RPO) == 0 {
		return d
	}
	// idx holds immediate dominators as RPO indices; -1 = not yet known.
	idx := make([]int, len(cfg.RPO))
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
	for i := 1; i < len(cfg.RPO); i++ {
		b, parent := cfg.RPO[i], cfg.RPO[idx[i]]
		d.idom[b.ID] = parent
		d.children[parent.ID] = append(d.children[parent.ID], b)
	}
	// Number the tree in preorder so Dominates is two comparisons.
	for i := range d.pre {
		d.pre[i] = -1
	}
	counter := 0
	type frame struct {
		b    *Block
		next int
	}
	stack := []frame{{cfg.RPO[0], 0}}
	d.pre[cfg.RPO[0].ID] = counter
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		kids := d.children[top.b.ID]
		if top.next < len(kids) {
			k := kids[top.next]
			top.next++
			counter++
			d.pre[k.ID] = counter
			stack = append(stack, frame{k, 0})
			continue
		}
		d.last[top.b.ID] = counter
		stack = stack[:len(stack)-1]
	}
	return d
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
