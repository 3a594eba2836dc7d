package backend

import (
	"math/bits"
	"slices"
)

// scanBlock computes, backwards, each operand's next use after its
// instruction, and leaves the next use of each value at the block's start
// readable through nextOf.
//
// A value live out of b is next used past b's end: at the edge if it is an
// argument, at its first read in a successor, or far away if it only passes
// through. Those distances are gathered once per block from the
// successors' first-read lists (vregState.dist, the minimum over
// successors). Whether a value is live out at all is asked (liveOutNext)
// only for the values the block touches and those nextOf is asked about,
// not for every value live across the block: a block costs its operands
// and registers, not its live set. Per-vreg entries are valid when stamped
// with the current block, so nothing is cleared between blocks.
func (a *allocator) scanBlock(b BlockID) {
	stamp := int32(b) + 1
	a.stamp = stamp
	// The slices are copied to locals: stores through a would otherwise
	// make the compiler reload them at every step.
	vs := a.vs
	blk := &a.f.Blocks[b]
	for k, s := range blk.Succs {
		sb := &a.f.Blocks[s]
		for j, v := range blk.SuccArgs[k] {
			vs[v].dist = stamped{0, stamp}
			a.extend(v, sb.Start)
			a.extend(sb.Params[j], blk.End-1)
		}
		for _, fu := range a.live.firstUses(s) {
			if d := fu.pos + 1; vs[fu.v].dist.at != stamp || d < vs[fu.v].dist.x {
				vs[fu.v].dist = stamped{d, stamp}
			}
		}
	}
	// The arguments are used at the edge; other values live out are found
	// as the walk meets them.
	end := int32(blk.End)
	for k := range blk.Succs {
		for _, v := range blk.SuccArgs[k] {
			vs[v].scan = stamped{end, stamp}
		}
	}

	ops, recs, after := a.ops, a.recs, a.after
	for i := blk.End - 1; i >= blk.Start; i-- {
		lo, hi := recs[i].lo, recs[i].hi
		iops, iafter := ops[lo:hi], after[lo:hi]
		for k := range iops {
			v := iops[k].VReg
			n := vs[v].scan
			if n.at != stamp {
				n = stamped{a.liveOutNext(b, v), stamp}
				vs[v].scan = n
			}
			iafter[k] = n.x
		}
		// Before the instruction, a value it reads is next used here, and
		// one it only writes is not live: a read wins over a write of the
		// same value in either order ({i, stamp} can only come from this
		// instruction: every other entry is past it).
		here := stamped{int32(i), stamp}
		for k := range iops {
			st := &vs[iops[k].VReg].scan
			if iops[k].Kind != Def {
				*st = here
			} else if *st != here {
				*st = stamped{infinity, stamp}
			}
		}
	}
}

// stamped is a per-vreg value valid only when at is the current stamp.
type stamped struct{ x, at int32 }

// nextOf is the next use of v at the start of the block scanned last.
func (a *allocator) nextOf(v VReg) int32 {
	n := a.vs[v].scan
	if n.at != a.stamp {
		n = stamped{a.untouchedNext(BlockID(a.stamp-1), v), a.stamp}
		a.vs[v].scan = n
	}
	return n.x
}

// untouchedNext is liveOutNext for a value block b does not touch: unless
// it is one of b's parameters, it is live out of b exactly when it is
// live into b, one question instead of one per successor.
func (a *allocator) untouchedNext(b BlockID, v VReg) int32 {
	if a.vs[v].paramMark == int32(b)+1 {
		return a.liveOutNext(b, v)
	}
	g := a.live.globalIndex[v]
	if g < 0 || !a.live.liveInto(b, g) {
		return infinity
	}
	d := int32(farAway)
	if dist := a.vs[v].dist; dist.at == a.stamp {
		d = dist.x
	}
	return int32(a.f.Blocks[b].End) + d
}

// liveOutNext is the next use of v after block b when b does not use it
// past this point: past b's end if v is live into a successor (at the
// distance scanBlock gathered, or far away), else never.
func (a *allocator) liveOutNext(b BlockID, v VReg) int32 {
	g := a.live.globalIndex[v]
	if g < 0 {
		return infinity
	}
	blk := &a.f.Blocks[b]
	for _, s := range blk.Succs {
		if a.live.liveInto(s, g) {
			d := int32(farAway)
			if dist := a.vs[v].dist; dist.at == a.stamp {
				d = dist.x
			}
			return int32(blk.End) + d
		}
	}
	return infinity
}

// extend stretches v's live range hull (in layout order, for slot sharing)
// over position pos. Liveness starts each hull with the block boundaries
// where the value is live, and the allocation walk adds its operands and
// the edges passing it, so the hulls need no pass of their own.
func (a *allocator) extend(v VReg, pos int) {
	h := &a.vs[v].hull
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
		a.vs[p].paramMark = stamp
	}
	var pend []stateEntry // the end state of the first allocated predecessor
	var plan loopPlan
	isLoop := false
	var predArgs []VReg
	hasPred := false
	a.copiedFrom[b] = -1
	for j, p := range blk.Preds {
		if !a.processed[p] {
			continue
		}
		hasPred = true
		a.copiedFrom[b] = int32(p)
		pend = a.endState(p)
		if len(blk.Params) > 0 {
			predArgs = a.f.predArgs(b, j)
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
		// changes existing entries, even when it moves them. A loop
		// header's entry is planned (alloc_loop.go): some live-ins go to
		// their slots, others to other registers.
		plan, isLoop = a.planLoopEntry(b, pend)
		end := int32(blk.End)
		for _, e := range pend {
			v := e.v
			st := &a.vs[v]
			if st.paramMark == stamp {
				continue
			}
			// nextOf, in line and with the entry's global index: the
			// question is asked of every value the predecessor left in a
			// register, and most of them b does not touch.
			next := st.scan.x
			if st.scan.at != stamp {
				next = infinity // untouchedNext: live out exactly when live in
				if e.g >= 0 && a.live.liveInto(b, e.g) {
					d := int32(farAway)
					if st.dist.at == stamp {
						d = st.dist.x
					}
					next = end + d
				}
				st.scan = stamped{next, stamp}
			}
			if next == infinity {
				continue
			}
			if isLoop && a.vs[v].loopDrop == stamp {
				a.markSpilled(v)
				continue
			}
			a.assign(v, e.reg)
			if !e.slotValid {
				a.invalidateSlot(v)
			}
			a.vs[v].nextUse = next
			a.states = append(a.states, e)
		}
		if isLoop {
			a.placeLoopReads(&plan, lo)
			a.copiedFrom[b] = -1
		}
	} else {
		// Control reaches b first from a block allocated later (or never):
		// every live-in starts in its slot.
		for _, g := range a.live.lonelyLiveIn(b) {
			a.markSpilled(a.live.globals[g])
		}
	}
	for j, p := range blk.Params {
		a.extend(p, blk.Start)
		a.vs[p].nextUse = a.nextOf(p)
		r := NoPReg
		if a.vs[p].nextUse != infinity {
			if isLoop && plan.calls {
				r = a.loopParamReg(b, p)
			}
			if r == NoPReg && predArgs != nil {
				if e, ok := a.findEntry(pend, predArgs[j]); ok && a.regVal[e.reg] == InvalidVReg {
					r = e.reg
				}
			}
			if r == NoPReg {
				r = a.freeReg(a.class(p), 0, p, a.vs[p].nextUse, blk.Start)
			}
		}
		if r != NoPReg {
			a.assign(p, r)
			a.invalidateSlot(p)
		} else {
			a.markSpilled(p)
		}
		a.states = append(a.states, stateEntry{v: p, g: a.live.globalIndex[p], reg: r, slotValid: r == NoPReg, param: int32(j)})
	}
	a.startSpan[b] = span{lo, int32(len(a.states))}
	a.noteEdgeRegs(b)
	a.editsStart[b] = int32(len(a.edits))
	for i := blk.Start; i < blk.End; i++ {
		if err := a.allocateInst(b, i); err != nil {
			return err
		}
	}
	a.editsEnd[b] = int32(len(a.edits))
	// Every value still in a register is live out (dead values leave their
	// registers at their last use).
	lo = int32(len(a.states))
	a.appendEndState()
	a.endSpan[b] = span{lo, int32(len(a.states))}
	a.processed[b] = true
	return nil
}

// noteEdgeRegs sets edgeReg for the arguments b passes to successors
// whose start state is known: b itself, and blocks allocated before it
// (loop headers, reached by a back edge).
func (a *allocator) noteEdgeRegs(b BlockID) {
	blk := &a.f.Blocks[b]
	for k, s := range blk.Succs {
		if s != b && !a.processed[s] {
			continue
		}
		args := blk.SuccArgs[k]
		for _, e := range a.startState(s) {
			if e.param >= 0 && e.reg != NoPReg {
				a.vs[args[e.param]].edgeReg = stamped{int32(e.reg), a.stamp}
			}
		}
	}
}

// appendEndState appends the state of the registers holding a value,
// sorted by global. The entries are sorted as keys (global, then
// register, in one word) as they are found, and made in order: sorting
// the entries themselves moves twice as many bytes per step.
func (a *allocator) appendEndState() {
	var keys [maxPRegs]uint64
	n := 0
	for r := range regsOf(a.alloc &^ a.free) { // the registers holding a value
		g := a.live.globalIndex[a.regVal[r]]
		// The sign bit flipped, a global's index orders as an unsigned word.
		k := uint64(uint32(g)^1<<31)<<32 | uint64(r)
		j := n
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
		n++
	}
	states := slices.Grow(a.states, n) // no reload of a.states per entry
	for _, k := range keys[:n] {
		r := PReg(uint32(k))
		v := a.regVal[r]
		states = append(states, stateEntry{v: v, g: int32(uint32(k>>32) ^ 1<<31), reg: r, slotValid: a.vs[v].slotValid, param: -1})
	}
	a.states = states
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
// NoPReg. It prefers v's hint, then the register of the parameter it is
// passed to on an allocated successor's edge (edgeReg), then, for a value
// that lives across a call, a register the call preserves, then the env's
// order.
func (a *allocator) freeReg(c RegClass, avoid RegSet, v VReg, next int32, from int) PReg {
	cand := a.free & a.classRegs[c] &^ avoid
	if cand == 0 {
		return NoPReg // the common case under pressure, decided at once
	}
	var clob RegSet
	if from < a.curEnd {
		if ci := a.clobberAt[from]; ci >= 0 && next > ci {
			clob = a.recs[ci].clobbers
		}
	}
	if h := a.vs[v].hint; h.Valid() && cand&^clob&(1<<h) != 0 {
		return h
	}
	if r := a.edgeReg(v, next, from); r != NoPReg && cand&(1<<r) != 0 {
		return r
	}
	// The first in the env's order that the call preserves, else the
	// first.
	if r := a.firstInOrder(c, cand&^clob); r != NoPReg {
		return r
	}
	return a.firstInOrder(c, cand)
}

// firstInOrder is the first register of s (of class c) in the order of
// env.Allocatable[c]: the lowest of s in the first of the order's
// ascending runs (orderRuns) that s meets, without a walk over the order.
func (a *allocator) firstInOrder(c RegClass, s RegSet) PReg {
	for _, run := range a.orderRuns[c] {
		if x := s & run; x != 0 {
			return PReg(bits.TrailingZeros64(uint64(x)))
		}
	}
	return NoPReg
}

// setOrderRuns splits each class's allocatable registers, in the env's
// order, into maximal ascending runs (amd64's integer registers: the
// caller-saved ones, then the callee-saved), as firstInOrder reads them.
func (a *allocator) setOrderRuns(env *MachineEnv) {
	for c := range a.orderRuns {
		runs := a.orderRuns[c][:0]
		prev := PReg(0)
		for i, r := range env.Allocatable[c] {
			if i == 0 || r < prev {
				runs = append(runs, 0)
			}
			runs[len(runs)-1] = runs[len(runs)-1].With(r)
			prev = r
		}
		a.orderRuns[c] = runs
	}
}

// edgeReg is the register of the allocated successor's parameter that v
// is passed to at the end of this block (vregState.edgeReg), unless a call
// between from and v's next use clobbers it; else NoPReg.
func (a *allocator) edgeReg(v VReg, next int32, from int) PReg {
	e := a.vs[v].edgeReg
	if e.at != a.stamp {
		return NoPReg
	}
	r := PReg(e.x)
	if from < a.curEnd {
		if ci := a.clobberAt[from]; ci >= 0 && next > ci && a.recs[ci].clobbers.Has(r) {
			return NoPReg
		}
	}
	return r
}

// spillValue makes v's slot valid before instruction i (v is in r).
func (a *allocator) spillValue(v VReg, r PReg, i int) {
	if !a.vs[v].slotValid {
		a.emit(i, RegLoc(r), a.slotOf(v), r.Class())
		a.vs[v].slotValid = true
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
		if a.vs[v].nextUse > bestNext {
			best, bestNext = r, a.vs[v].nextUse
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
	if w := a.regVal[r]; w != InvalidVReg && a.vs[w].nextUse != infinity {
		a.spillValue(w, r, i)
	}
	a.unassign(r)
	return r
}
