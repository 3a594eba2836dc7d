package backend

// scanBlock computes, backwards, each operand's next use after its
// instruction and returns the next-use position of each value at the
// block's start through a.scanNext (valid for the vregs in a.scanSeen).
//
// A value live out of b is next used past b's end: at the edge if it is an
// argument, at its first read in a successor, or far away if it only passes
// through. Those distances are gathered once per block from the
// successors' first-read lists into a.dist (the minimum over successors),
// so each live-out value costs one lookup.
func (a *allocator) scanBlock(b BlockID) {
	// The slices are copied to locals: stores through a would otherwise
	// make the compiler reload them at every step.
	next, dist := a.scanNext, a.dist
	for _, v := range a.scanSeen {
		next[v] = infinity
	}
	seen, distSeen := a.scanSeen[:0], a.distSeen[:0]
	blk := &a.f.Blocks[b]
	for k, s := range blk.Succs {
		sb := &a.f.Blocks[s]
		for j, v := range blk.SuccArgs[k] {
			if dist[v] == farAway {
				distSeen = append(distSeen, v)
			}
			dist[v] = 0
			a.extend(v, sb.Start)
			a.extend(sb.Params[j], blk.End-1)
		}
		for _, fu := range a.live.firstUses(s) {
			if d := fu.pos + 1; d < dist[fu.v] {
				if dist[fu.v] == farAway {
					distSeen = append(distSeen, fu.v)
				}
				dist[fu.v] = d
			}
		}
	}
	end := int32(blk.End)
	globals := a.live.globals
	for _, g := range a.live.liveOut(b) {
		v := globals[g]
		next[v] = end + dist[v]
		seen = append(seen, v)
	}
	for _, v := range distSeen {
		dist[v] = farAway
	}

	ops, opStart, after := a.ops, a.opStart, a.after
	for i := blk.End - 1; i >= blk.Start; i-- {
		lo, hi := opStart[i], opStart[i+1]
		iops, iafter := ops[lo:hi], after[lo:hi]
		for k := range iops {
			iafter[k] = next[iops[k].VReg]
		}
		for k := range iops {
			if iops[k].Kind != Use {
				next[iops[k].VReg] = infinity
			}
		}
		for k := range iops {
			if v := iops[k].VReg; iops[k].Kind != Def {
				if next[v] == infinity {
					seen = append(seen, v)
				}
				next[v] = int32(i)
			}
		}
	}
	a.scanSeen, a.distSeen = seen, distSeen[:0]
}

// extend stretches v's live range hull (in layout order, for slot sharing)
// over position pos. The allocation walk visits every point the hull needs
// (operands, block boundaries where v is live, edges passing it), so the
// hulls come for free instead of from another pass over everything.
func (a *allocator) extend(v VReg, pos int) {
	h := &a.hull[v]
	if int32(pos) < h.lo {
		h.lo = int32(pos)
	}
	if int32(pos) > h.hi {
		h.hi = int32(pos)
	}
}

// allocateBlock sets up b's entry state and allocates its instructions.
//
// Block boundary states list only the values in registers (at most one
// per register, sorted by global index); every other live value is in its
// spill slot, and its slot is valid: a value leaves its register for good
// only by being spilled or by dying, and a value in no register at a
// block's entry stays in its slot. So entering a block and resolving an
// edge cost a few steps per register, not per live value (and blocks in
// large functions have dozens of live values).
func (a *allocator) allocateBlock(b BlockID) error {
	a.resetState()
	a.scanBlock(b)
	blk := &a.f.Blocks[b]
	a.curEnd = blk.End
	stamp := int32(b) + 1
	for _, p := range blk.Params {
		a.paramMark[p] = stamp
	}
	var pend []stateEntry // the end state of the first allocated predecessor
	var predArgs []VReg
	hasPred := false
	for _, p := range blk.Preds {
		if !a.processed[p] {
			continue
		}
		hasPred = true
		pend = a.endState(p)
		pb := &a.f.Blocks[p]
		for k, s := range pb.Succs {
			if s == b {
				predArgs = pb.SuccArgs[k]
				break
			}
		}
		break
	}
	lo := int32(len(a.states))
	if hasPred {
		// The live-ins the predecessor left in registers stay there (the
		// registers are all free, and distinct). A value is live into b
		// when b reads it before writing it or passes it on: exactly when
		// the scan left it a next use at b's start, parameters aside.
		// pend stays readable while a.states grows: appending never
		// changes existing entries, even when it moves them.
		for _, e := range pend {
			v := e.v
			if a.scanNext[v] == infinity || a.paramMark[v] == stamp {
				continue
			}
			a.assign(v, e.reg)
			a.slotValid[v] = e.slotValid
			a.nextUse[v] = a.scanNext[v]
			a.states = append(a.states, e)
		}
	} else {
		// Control reaches b first from a block allocated later (or never):
		// every live-in starts in its slot.
		for _, g := range a.live.liveIn(b) {
			a.spilled[a.live.globals[g]] = true
		}
	}
	for j, p := range blk.Params {
		a.touch(p)
		a.extend(p, blk.Start)
		a.nextUse[p] = a.scanNext[p]
		r := NoPReg
		if a.nextUse[p] != infinity {
			if predArgs != nil {
				if e, ok := a.findEntry(pend, predArgs[j]); ok && a.regVal[e.reg] == InvalidVReg {
					r = e.reg
				}
			}
			if r == NoPReg {
				r = a.freeReg(a.class(p), 0, p, a.nextUse[p], blk.Start)
			}
		}
		if r != NoPReg {
			a.assign(p, r)
			a.slotValid[p] = false
		} else {
			a.slotValid[p] = true
			a.spilled[p] = true
		}
		a.states = append(a.states, stateEntry{v: p, g: a.live.globalIndex[p], reg: r, slotValid: r == NoPReg, param: int32(j)})
	}
	a.startSpan[b] = span{lo, int32(len(a.states))}
	for i := blk.Start; i < blk.End; i++ {
		if err := a.allocateInst(b, i); err != nil {
			return err
		}
	}
	// Every value still in a register is live out (dead values leave their
	// registers at their last use).
	lo = int32(len(a.states))
	for r := range regsOf(a.alloc) {
		if v := a.regVal[r]; v != InvalidVReg {
			a.states = append(a.states, stateEntry{v: v, g: a.live.globalIndex[v], reg: r, slotValid: a.slotValid[v], param: -1})
		}
	}
	sortByGlobal(a.states[lo:])
	a.endSpan[b] = span{lo, int32(len(a.states))}
	a.processed[b] = true
	return nil
}

// sortByGlobal sorts a short state list (one entry per register) by global
// index: an insertion sort.
func sortByGlobal(st []stateEntry) {
	for i := 1; i < len(st); i++ {
		for j := i; j > 0 && st[j].g < st[j-1].g; j-- {
			st[j], st[j-1] = st[j-1], st[j]
		}
	}
}

// endState is the state at the end of allocated block b, sorted by global.
func (a *allocator) endState(b BlockID) []stateEntry {
	sp := a.endSpan[b]
	return a.states[sp.lo:sp.hi]
}

// startState is the state at the start of allocated block b: its live-ins
// in registers sorted by global, then its parameters.
func (a *allocator) startState(b BlockID) []stateEntry {
	sp := a.startSpan[b]
	return a.states[sp.lo:sp.hi]
}

// findEntry finds global v among the registers of end state st (binary
// search); if absent, v is in its slot.
func (a *allocator) findEntry(st []stateEntry, v VReg) (stateEntry, bool) {
	g := a.live.globalIndex[v]
	lo, hi := 0, len(st)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if st[m].g < g {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(st) && st[lo].g == g {
		return st[lo], true
	}
	return stateEntry{}, false
}

// freeReg picks a free allocatable register of class c outside avoid for v,
// whose next use is at position next, placed from instruction from on; or
// NoPReg. It prefers v's hint, then, for a value that lives across a call, a
// register the call preserves, then the env's order.
func (a *allocator) freeReg(c RegClass, avoid RegSet, v VReg, next int32, from int) PReg {
	var clob RegSet
	if from < a.curEnd {
		if ci := a.clobberAt[from]; ci >= 0 && next > ci {
			clob = a.clobbers[ci]
		}
	}
	if h := a.hint[v]; h.Valid() && h.Class() == c && a.regVal[h] == InvalidVReg && !avoid.Has(h) && a.alloc.Has(h) && !clob.Has(h) {
		return h
	}
	first := NoPReg
	for _, r := range a.env.Allocatable[c] {
		if a.regVal[r] != InvalidVReg || avoid.Has(r) {
			continue
		}
		if !clob.Has(r) {
			return r
		}
		if first == NoPReg {
			first = r
		}
	}
	return first
}

// spillValue makes v's slot valid before instruction i (v is in r).
func (a *allocator) spillValue(v VReg, r PReg, i int) {
	a.touch(v)
	if !a.slotValid[v] {
		a.emit(i, 1, RegLoc(r), a.slotOf(v), r.Class())
		a.slotValid[v] = true
	}
}

// victim picks the register of class c outside avoid whose value is needed
// furthest in the future (Belady), or NoPReg.
func (a *allocator) victim(c RegClass, avoid RegSet) PReg {
	best, bestNext := NoPReg, int32(-1)
	for _, r := range a.env.Allocatable[c] {
		if avoid.Has(r) {
			continue
		}
		v := a.regVal[r]
		if v == InvalidVReg {
			return r
		}
		if a.nextUse[v] > bestNext {
			best, bestNext = r, a.nextUse[v]
		}
	}
	return best
}

// getReg returns a register of class c outside avoid for v (next use at
// next; the value is placed from instruction from on), spilling the value
// needed furthest away if none is free.
func (a *allocator) getReg(c RegClass, avoid RegSet, v VReg, next int32, i, from int) PReg {
	if r := a.freeReg(c, avoid, v, next, from); r != NoPReg {
		return r
	}
	r := a.victim(c, avoid)
	if r == NoPReg {
		return NoPReg
	}
	if w := a.regVal[r]; w != InvalidVReg && a.nextUse[w] != infinity {
		a.spillValue(w, r, i)
	}
	a.unassign(r)
	return r
}
