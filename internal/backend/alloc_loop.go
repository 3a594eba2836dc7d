package backend

// Loop entries. A block reached by a branch from itself or a later block
// (in layout order) is a loop header, and the blocks from it to the last
// such branch are its loop (structured code keeps a loop's blocks
// together). Entering a header from its preheader, the allocator chooses
// which live-ins stay in registers for the whole loop instead of taking the
// preheader's registers as they are, so that spills and reloads the loop
// needs happen once, on the way in and out, rather than in every iteration:
//
//   - A live-in the loop never reads only passes through it. In a loop
//     that calls, it goes to its slot on entry (it would otherwise hold a
//     register the calls preserve, or be saved at each call); in one that
//     does not, as many as the loop's register pressure needs.
//   - A live-in the loop reads is live across every call in the loop (it
//     is live around the back edge), so in a loop that calls it moves to a
//     register calls preserve on entry, while one is free.
//   - A live-in in its slot that the loop reads is loaded on entry into a
//     free register (one calls preserve, in a loop that calls) when the
//     loop's pressure leaves one.
//
// The entry moves are ordinary edge moves: the header's start state says
// where each live-in is, and edge resolution stores, loads and copies.

// maxPlannedLoopBlocks bounds the loops whose entry is planned: planning
// reads every block of the loop, so nested loops cost their size once per
// enclosing header, and very large loops (Go's resume loop around a whole
// function) are left as they are.
const maxPlannedLoopBlocks = 256

// pressureMargin is the registers a loop's instructions are assumed to need
// beyond its values (fixed registers, early defs).
const pressureMargin = 1

// prepareLoops finds each block's loop (loopEnd: its last block, or -1 for
// a block that is no header), counts each block's calls (a prefix count,
// callsBefore) and the values of each class live into each block (from
// liveness' ranges).
func (a *allocator) prepareLoops() {
	f := a.f
	nb := len(f.Blocks)
	a.loopEnd = fill(grow(a.loopEnd, nb), -1)
	a.hasLoops = false
	for p := range f.Blocks {
		for _, s := range f.Blocks[p].Succs {
			if int(s) <= p && int32(p) > a.loopEnd[s] {
				a.loopEnd[s] = int32(p)
				a.hasLoops = true
			}
		}
	}
	if !a.hasLoops {
		return
	}
	// A call clobbers the caller-saved integer registers (but those of its
	// results, which it defines); an instruction clobbering more than half
	// of them counts as one.
	callerSaved := a.classRegs[ClassInt] &^ a.env.CalleeSaved
	half := callerSaved.Len() / 2
	a.callsBefore = grow(a.callsBefore, nb+1)
	calls := int32(0)
	for bi := range f.Blocks {
		a.callsBefore[bi] = calls
		b := &f.Blocks[bi]
		for i := b.Start; i < b.End; i++ {
			if (a.recs[i].clobbers & callerSaved).Len() > half {
				calls++
				break
			}
		}
	}
	a.callsBefore[nb] = calls
	l := &a.live
	for c := range a.liveCount {
		a.liveCount[c] = fill(grow(a.liveCount[c], nb+1), 0)
	}
	for g, v := range l.globals {
		count := a.liveCount[a.class(v)]
		for _, r := range l.ranges[l.granges[g].first:l.granges[g].end] {
			count[r.lo]++
			count[r.hi+1]--
		}
	}
	for c := range a.liveCount {
		count := a.liveCount[c]
		for b := 1; b <= nb; b++ {
			count[b] += count[b-1]
		}
	}
}

// loopPlan is what planLoopEntry decided for a header's live-ins.
type loopPlan struct {
	calls bool // the loop calls
	// spare is, per class, the registers left at the loop's most crowded
	// block start with every live-in it reads in a register (negative when
	// some must stay in memory); a loop that calls counts only the
	// registers calls preserve.
	spare [NumClasses]int
	// reads lists the live-ins the loop reads (they are marked with the
	// header's stamp in vregState.loopRead), nearest next use first.
	reads []VReg
}

// planLoopEntry plans the entry of loop header b from the end state pend
// of its preheader; it reports false when b is no header or its loop is
// too large to plan. It marks the live-ins in pend that go to their slots
// (vregState.loopDrop).
func (a *allocator) planLoopEntry(b BlockID, pend []stateEntry) (loopPlan, bool) {
	var plan loopPlan
	if !a.hasLoops {
		return plan, false
	}
	end := a.loopEnd[b]
	if end < int32(b) || int(end-int32(b)) >= maxPlannedLoopBlocks {
		return plan, false
	}
	stamp := int32(b) + 1
	l := &a.live
	vs := a.vs
	reads := a.loopReads[:0]
	var readIns [NumClasses]int
	read := func(v VReg) {
		if v < NumPinned || vs[v].loopRead == stamp {
			return
		}
		vs[v].loopRead = stamp
		if g := l.globalIndex[v]; g >= 0 && vs[v].paramMark != stamp && l.liveInto(b, g) {
			readIns[a.class(v)]++
			reads = append(reads, v)
		}
	}
	plan.calls = a.callsBefore[end+1] > a.callsBefore[b]
	// The most values of each class live at once in the loop (a loop
	// that calls is planned without it).
	var most [NumClasses]int
	for bi := b; bi <= BlockID(end); bi++ {
		blk := &a.f.Blocks[bi]
		for _, fu := range l.firstUses(bi) {
			read(fu.v)
		}
		for _, args := range blk.SuccArgs {
			for _, v := range args {
				read(v)
			}
		}
		if !plan.calls {
			most = maxPressure(most, a.blockPressure(bi))
		}
	}
	var params [NumClasses]int
	for _, p := range a.f.Blocks[b].Params {
		params[a.class(p)]++
	}

	// The live-ins in registers that only pass through, per class.
	var passing [NumClasses]int
	for _, e := range pend {
		if vs[e.v].loopRead != stamp && vs[e.v].paramMark != stamp && a.nextOf(e.v) != infinity {
			passing[a.class(e.v)]++
		}
	}
	for c := range NumClasses {
		drop := passing[c]
		if plan.calls {
			// Across the calls: the live-ins the loop reads, and the
			// header's parameters (the values the loop carries).
			preserved := (a.classRegs[c] & a.env.CalleeSaved).Len()
			plan.spare[c] = preserved - readIns[c] - params[c]
		} else {
			// What the loop needs besides the live-ins passing through
			// it: every live-in is live everywhere in the loop.
			regs := len(a.env.Allocatable[c])
			passAll := int(a.liveCount[c][b]) - readIns[c]
			need := most[c] - passAll + pressureMargin
			drop = min(max(need+passing[c]-regs, 0), passing[c])
			plan.spare[c] = regs - need
		}
		// Values whose slot is valid go first: dropping them stores nothing.
		for _, clean := range [2]bool{true, false} {
			for _, e := range pend {
				if drop == 0 {
					break
				}
				v := e.v
				if a.class(v) != RegClass(c) || e.slotValid != clean || vs[v].loopRead == stamp ||
					vs[v].paramMark == stamp || vs[v].loopDrop == stamp || a.nextOf(v) == infinity {
					continue
				}
				vs[v].loopDrop = stamp
				drop--
			}
		}
	}
	// Nearest next use first: those get the registers left.
	for i := 1; i < len(reads); i++ {
		for j := i; j > 0 && a.nextOf(reads[j]) < a.nextOf(reads[j-1]); j-- {
			reads[j], reads[j-1] = reads[j-1], reads[j]
		}
	}
	a.loopReads = reads
	plan.reads = reads
	return plan, true
}

// placeLoopReads finishes a header's entry state after the preheader's
// registers were taken over (from states[lo:]): in a loop that calls, the
// live-ins it reads move from registers calls overwrite to free ones they
// preserve; live-ins it reads that are in their slots are loaded into free
// registers while the loop's pressure leaves some (preserved ones, in a
// loop that calls).
func (a *allocator) placeLoopReads(plan *loopPlan, lo int32) {
	preserved := a.env.CalleeSaved
	pick := func(c RegClass) PReg {
		free := a.free & a.classRegs[c]
		if plan.calls {
			free &= preserved
		}
		for _, r := range a.env.Allocatable[c] {
			if free.Has(r) {
				return r
			}
		}
		return NoPReg
	}
	if plan.calls {
		for k := lo; k < int32(len(a.states)); k++ {
			e := &a.states[k]
			if preserved.Has(e.reg) || a.vs[e.v].loopRead != a.stamp {
				continue
			}
			if r := pick(e.reg.Class()); r != NoPReg {
				a.unassign(e.reg)
				a.assign(e.v, r)
				e.reg = r
			}
		}
	}
	// The live-ins read in their slots all fit when spare >= 0; with
	// fewer registers, that many fewer are loaded.
	var loads [NumClasses]int
	for _, v := range plan.reads {
		if a.vs[v].reg == NoPReg {
			loads[a.class(v)]++
		}
	}
	for c := range loads {
		loads[c] = max(loads[c]+min(plan.spare[c], 0), 0)
	}
	added := false
	for _, v := range plan.reads {
		c := a.class(v)
		if a.vs[v].reg != NoPReg || loads[c] == 0 {
			continue
		}
		r := pick(c)
		if r == NoPReg {
			continue
		}
		loads[c]--
		a.markSpilled(v)
		a.assign(v, r)
		a.vs[v].nextUse = a.nextOf(v)
		a.states = append(a.states, stateEntry{v: v, g: a.live.globalIndex[v], reg: r, slotValid: true, param: -1})
		added = true
	}
	if added {
		sortByGlobal(a.states[lo:])
	}
}

// blockPressure is the most values of each class live at once in block b:
// its live-ins and parameters, plus its definitions, less the values whose
// last use in b is not live out of b. A backward walk finds those last
// uses (pressDies), a forward walk counts.
func (a *allocator) blockPressure(b BlockID) [NumClasses]int {
	a.pressStamp++
	stamp := a.pressStamp
	vs := a.vs
	blk := &a.f.Blocks[b]
	var cur [NumClasses]int
	for c := range cur {
		cur[c] = int(a.liveCount[c][b])
	}
	for _, p := range blk.Params {
		cur[a.class(p)]++
	}
	for _, args := range blk.SuccArgs {
		for _, v := range args {
			vs[v].pressSeen = stamp
		}
	}
	dies := grow(a.pressDies, len(a.ops))
	a.pressDies = dies
	liveOut := func(v VReg) bool {
		g := a.live.globalIndex[v]
		if g < 0 {
			return false
		}
		for _, s := range blk.Succs {
			if a.live.liveInto(s, g) {
				return true
			}
		}
		return false
	}
	for i := blk.End - 1; i >= blk.Start; i-- {
		lo, hi := a.recs[i].lo, a.recs[i].hi
		for k := lo; k < hi; k++ {
			op := a.ops[k]
			dies[k] = false
			if op.VReg < NumPinned {
				continue
			}
			if vs[op.VReg].pressSeen != stamp {
				vs[op.VReg].pressSeen = stamp
				dies[k] = op.Kind != Mod && !liveOut(op.VReg)
			}
		}
	}
	most := cur
	for i := blk.Start; i < blk.End; i++ {
		lo, hi := a.recs[i].lo, a.recs[i].hi
		most = maxPressure(most, cur)
		// Live at i: what was live before it, or after it with its
		// definitions, dead ones included (late definitions may take the
		// registers of values dying here).
		at := cur
		for k := lo; k < hi; k++ {
			op := a.ops[k]
			if op.VReg < NumPinned || op.Kind == Mod {
				continue
			}
			c := a.class(op.VReg)
			switch {
			case op.Kind == Def:
				at[c]++
				if !dies[k] {
					cur[c]++
				}
			case dies[k]:
				at[c]--
				cur[c]--
			}
		}
		most = maxPressure(most, at)
	}
	return most
}

func maxPressure(x, y [NumClasses]int) [NumClasses]int {
	for c := range x {
		x[c] = max(x[c], y[c])
	}
	return x
}

// loopParamReg is a free register calls preserve for parameter p of header
// b of a loop that calls, when p lives across a call: past the header, or
// past a call in it. Else NoPReg.
func (a *allocator) loopParamReg(b BlockID, p VReg) PReg {
	blk := &a.f.Blocks[b]
	across := false
	if g := a.live.globalIndex[p]; g >= 0 {
		for _, s := range blk.Succs {
			across = across || a.live.liveInto(s, g)
		}
	}
	if !across {
		for _, args := range blk.SuccArgs {
			for _, v := range args {
				across = across || v == p
			}
		}
	}
	if !across {
		call := false
		for i := blk.Start; i < blk.End && !across; i++ {
			for _, op := range a.instOps(i) {
				if call && op.VReg == p {
					across = true
				}
			}
			call = call || a.recs[i].clobbers&a.alloc&^a.env.CalleeSaved != 0
		}
	}
	if !across {
		return NoPReg
	}
	free := a.free & a.classRegs[a.class(p)] & a.env.CalleeSaved
	for _, r := range a.env.Allocatable[a.class(p)] {
		if free.Has(r) {
			return r
		}
	}
	return NoPReg
}
