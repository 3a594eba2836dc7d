package ssa

// DCE removes unreachable blocks, instructions whose results are unused
// and that may be removed (see Inst.IsRemovableIfUnused), and block
// parameters that nothing live uses (with their arguments on every branch).
// The entry block's parameters are the signature and stay.
func DCE(f *Func) {
	pruneOnEntry(f)
	s := f.scratchSpace()
	live := resize(s.live, f.NumValues())
	clear(live)
	s.live = live
	edges := incomingEdges(f)
	work := s.values[:0]
	defer func() { s.values = work[:0] }()
	mark := func(v Value) {
		if v >= 0 && int(v) < len(live) && !live[v] {
			live[v] = true
			work = append(work, v)
		}
	}
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			if !in.IsRemovableIfUnused() {
				for _, a := range in.Args {
					mark(a)
				}
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
			for _, e := range edges[b.ID] {
				if args := e.term.Targets[e.slot].Args; i < len(args) {
					mark(args[i])
				}
			}
		}
	}
	isLive := func(v Value) bool { return v >= 0 && int(v) < len(live) && live[v] }
	foldable := false
	for bi, b := range f.Blocks {
		kept := b.Insts[:0]
		for _, in := range b.Insts {
			used := false
			for _, r := range in.Results {
				used = used || isLive(r)
			}
			if used || !in.IsRemovableIfUnused() {
				kept = append(kept, in)
			}
		}
		clear(b.Insts[len(kept):])
		b.Insts = kept
		if bi == 0 {
			continue
		}
		for _, p := range b.Params {
			if !isLive(p) {
				foldable = removeDeadParams(f, b, isLive, edges[b.ID]) || foldable
				break
			}
		}
	}
	f.keepAnalyses()
	if !foldable {
		f.keepFold()
	}
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
