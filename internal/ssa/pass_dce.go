package ssa

// DCE removes unreachable blocks, instructions whose results are unused
// and that may be removed (see Inst.IsRemovableIfUnused), and block
// parameters that nothing live uses (with their arguments on every branch).
// The entry block's parameters are the signature and stay.
//
// It walks the blocks backwards in layout order, each block's
// instructions last to first, so that a use is usually met before its
// definition: an instruction is live when it must stay or a result is
// live, and a live one marks its arguments, and those of its branches to
// live parameters. Each instruction is read once. What the order gets
// wrong (a value used only by a branch met before the use that made its
// parameter live, around a loop) is put right by a work list: a value
// whose definition was passed over as dead, or a parameter whose incoming
// branches were passed, is revisited when it becomes live. The result is
// the least set closed under those rules, whatever the order.
func DCE(f *Func) {
	pruneOnEntry(f)
	s := f.scratchSpace()
	n := f.NumValues()
	// One byte per value (dceLive, dcePassed, dceParam): marking a value
	// reads no more than its byte, where the value table's 24-byte entry
	// would be a cache miss for nearly every value.
	state := resize(s.dceState, n)
	clear(state)
	s.dceState = state
	for _, b := range f.Blocks[min(1, len(f.Blocks)):] {
		for _, p := range b.Params {
			if p >= 0 && int(p) < n {
				state[p] = dceParam
			}
		}
	}
	// branchesMet[id]: how many branches into block id the walk has passed.
	branchesMet := resize(s.branchesMet, f.NumBlockIDs())
	clear(branchesMet)
	s.branchesMet = branchesMet
	// The branches into each block, listed on first need: only a
	// parameter that becomes live after the walk passed its branches, or
	// a dead parameter, needs them. With the CFG current (handed on by
	// the pass before), a block's are found from its predecessors alone
	// (edgesFromPreds); otherwise, or when a predecessor has too many
	// targets to look through for each block it reaches, every block's
	// are listed at once.
	var edges [][]edgeRef
	var cfg *CFG
	if s.inPipeline && s.cfgValidAt == s.run {
		cfg = &s.cfg
		s.edgesByID = resize(s.edgesByID, f.NumBlockIDs())
		clear(s.edgesByID)
		s.edgeLists = s.edgeLists[:0]
	}
	edgesInto := func(b *Block) []edgeRef {
		if edges != nil {
			return edges[b.ID]
		}
		if cfg != nil {
			if list := s.edgesByID[b.ID]; list != nil {
				return list
			}
			if list, ok := edgesFromPreds(cfg, b, s.edgeLists); ok {
				s.edgeLists = list
				list = list[len(list)-len(cfg.Preds[b.ID]):]
				s.edgesByID[b.ID] = list[:len(list):len(list)]
				return list
			}
		}
		edges = incomingEdges(f)
		return edges[b.ID]
	}
	work := s.values[:0]
	dead := s.deadInsts[:0]
	defer func() { s.values, s.deadInsts = work[:0], dead[:0] }()
	mark := func(v Value) {
		if v < 0 || int(v) >= n || state[v]&dceLive != 0 {
			return
		}
		st := state[v]
		state[v] = st | dceLive
		if st&dcePassed != 0 {
			work = append(work, v) // its definition was taken for dead
		} else if st&dceParam != 0 {
			if b, _ := f.ValueBlockParam(v); b != nil && branchesMet[b.ID] > 0 {
				work = append(work, v) // branches into b were passed
			}
		}
	}
	for bi := len(f.Blocks) - 1; bi >= 0; bi-- {
		b := f.Blocks[bi]
		for ii := len(b.Insts) - 1; ii >= 0; ii-- {
			in := b.Insts[ii]
			keep := !in.IsRemovableIfUnused()
			for _, r := range in.Results {
				if r >= 0 && int(r) < n {
					keep = keep || state[r]&dceLive != 0
					state[r] |= dcePassed
				}
			}
			if !keep {
				dead = append(dead, instPos{int32(bi), int32(ii)})
				continue
			}
			for _, a := range in.Args {
				mark(a)
			}
			for _, c := range in.Targets {
				for i, a := range c.Args {
					if i < len(c.Block.Params) && state[c.Block.Params[i]]&dceLive != 0 {
						mark(a)
					}
				}
				branchesMet[c.Block.ID]++
			}
		}
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if in, _ := f.ValueInst(v); in != nil {
			for _, a := range in.Args {
				mark(a)
			}
			continue
		}
		// A live parameter makes its argument on every edge live.
		if b, i := f.ValueBlockParam(v); b != nil {
			for _, e := range edgesInto(b) {
				if args := e.term.Targets[e.slot].Args; i < len(args) {
					mark(args[i])
				}
			}
		}
	}
	isLive := func(v Value) bool { return v >= 0 && int(v) < n && state[v]&dceLive != 0 }
	removeDeadInsts(f, dead, isLive)
	foldable := false
	for _, b := range f.Blocks[min(1, len(f.Blocks)):] {
		for _, p := range b.Params {
			if !isLive(p) {
				foldable = removeDeadParams(f, b, isLive, edgesInto(b)) || foldable
				break
			}
		}
	}
	f.keepAnalyses()
	if !foldable {
		f.keepFold()
	}
}

// DCE's state bits of a value.
const (
	dceLive   = 1 << iota // live: kept, and its arguments marked
	dcePassed             // the walk has passed its definition (an instruction result)
	dceParam              // a block parameter (not the entry block's)
)

// instPos is an instruction's place: f.Blocks[block].Insts[inst].
type instPos struct{ block, inst int32 }

// removeDeadInsts removes the instructions the backward walk passed as
// dead (dead lists them last first) whose results are still not live.
func removeDeadInsts(f *Func, dead []instPos, isLive func(Value) bool) {
	for end := len(dead); end > 0; {
		bi := dead[end-1].block
		start := end - 1
		for start > 0 && dead[start-1].block == bi {
			start--
		}
		// dead[start:end] are bi's, in decreasing position: remove them
		// in one pass over the block.
		b := f.Blocks[bi]
		kept := b.Insts[:0]
		next := end - 1
		for ii, in := range b.Insts {
			if next >= start && int(dead[next].inst) == ii {
				next--
				if !anyLive(in.Results, isLive) {
					continue
				}
			}
			kept = append(kept, in)
		}
		clear(b.Insts[len(kept):])
		b.Insts = kept
		end = start
	}
}

func anyLive(vs []Value, isLive func(Value) bool) bool {
	for _, v := range vs {
		if isLive(v) {
			return true
		}
	}
	return false
}

// removeDeadParams drops b's parameters that isLive rejects, with the
// matching argument on each of its incoming edges: one pass over each
// list, however many go (a loop header in code compiled from Go has
// thousands of incoming edges). It reports whether a brif branches to b
// both ways: with fewer arguments its two targets may now be the same,
// which Fold turns into a jump.
func removeDeadParams(f *Func, b *Block, isLive func(Value) bool, edges []edgeRef) (brifToB bool) {
	for _, e := range edges {
		if e.term.Op == OpBrif && e.term.Targets[0].Block == e.term.Targets[1].Block {
			brifToB = true
		}
		c := &e.term.Targets[e.slot]
		kept := c.Args[:0]
		for i, a := range c.Args {
			if i >= len(b.Params) || isLive(b.Params[i]) {
				kept = append(kept, a)
			}
		}
		c.Args = kept
	}
	kept := b.Params[:0]
	for _, p := range b.Params {
		if isLive(p) {
			f.values[p].index = int32(len(kept))
			kept = append(kept, p)
		}
	}
	b.Params = kept
	return brifToB
}

// removeParamAndArgs drops parameter i of b and the matching argument from
// each of its incoming edges.
func removeParamAndArgs(f *Func, b *Block, i int, edges []edgeRef) {
	f.RemoveBlockParam(b, i)
	for _, e := range edges {
		c := &e.term.Targets[e.slot]
		if i < len(c.Args) {
			c.Args = append(c.Args[:i], c.Args[i+1:]...)
		}
	}
}

// maxScannedTargets bounds the targets edgesFromPreds looks through in
// one predecessor's terminator: a br_table reaching many blocks would
// otherwise be looked through once for each of them.
const maxScannedTargets = 16

// edgesFromPreds appends to dst the branches into b, in the order
// incomingEdges lists them, found through cfg's predecessor lists (cfg
// current): a predecessor's entries are next to each other, one per edge
// (ComputeCFG, cfg_merge.go), so each is looked through once. It reports
// false, leaving dst as it was, when a predecessor has more than
// maxScannedTargets targets or the lists do not add up.
func edgesFromPreds(cfg *CFG, b *Block, dst []edgeRef) ([]edgeRef, bool) {
	preds := cfg.Preds[b.ID]
	n := len(dst)
	for i, p := range preds {
		if i > 0 && preds[i-1] == p {
			continue
		}
		t := p.Terminator()
		if t == nil || len(t.Targets) > maxScannedTargets {
			return dst[:n], false
		}
		for slot := range t.Targets {
			if t.Targets[slot].Block == b {
				dst = append(dst, edgeRef{p, t, slot})
			}
		}
	}
	if len(dst)-n != len(preds) {
		return dst[:n], false
	}
	return dst, true
}
