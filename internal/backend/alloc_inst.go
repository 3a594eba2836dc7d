package backend

import "math/bits"

// allocateInst allocates the operands of instruction i of block b, in five
// steps: registers for fixed early defs are emptied; uses are placed (fixed
// ones first, then register uses, then register-or-stack uses, so a later
// load never evicts an earlier use); def registers are chosen; values still
// needed after the instruction that sit in a register it writes are saved
// (moved to a free register, preferably one the instruction preserves, or
// spilled); and the state is updated past the instruction.
func (a *allocator) allocateInst(b BlockID, i int) error {
	ops := a.instOps(i)
	base := a.opStart[i]
	locs := a.locs[base : base+len(ops)]
	after := a.after[base : base+len(ops)]
	in := a.f.Insts[i]
	clobbers := a.clobbers[i] & a.alloc

	definedHere := func(v VReg) bool {
		for _, op := range ops {
			if op.VReg == v && op.Kind != Use {
				return true
			}
		}
		return false
	}
	liveAfter := func(v VReg) bool {
		for k, op := range ops {
			if op.VReg == v {
				return op.Kind == Use && after[k] != infinity && !definedHere(v)
			}
		}
		return a.nextUse[v] != infinity
	}
	nextAfter := func(v VReg) int32 {
		for k, op := range ops {
			if op.VReg == v {
				return after[k]
			}
		}
		return a.nextUse[v]
	}
	outOfRegs := func(k int) error {
		return a.f.errorf(b, i, "no register left for operand %d", k)
	}

	// One pass sorts the operands into the kinds the steps below handle, so
	// each step runs only if the instruction has operands of its kind.
	var fixedUses, fixedEarly, useRegs RegSet
	var kinds opKinds
	for k, op := range ops {
		if p, ok := op.VReg.PinnedReg(); ok {
			locs[k] = RegLoc(p)
			continue
		}
		kinds |= kindOf(op)
		if op.Constraint == FixedReg {
			if op.Kind == Use {
				fixedUses = fixedUses.With(op.Fixed)
			} else if op.Early {
				fixedEarly = fixedEarly.With(op.Fixed)
			}
		}
	}
	reserved := fixedUses | fixedEarly
	for r := range regsOf(fixedEarly) {
		if a.regVal[r] != InvalidVReg {
			a.evictNext(r, i, reserved, a.nextUse[a.regVal[r]])
		}
	}
	// Registers already holding this instruction's register operands stay.
	for _, op := range ops {
		if kinds&(kindRegUse|kindStackUse) == 0 {
			break
		}
		if op.VReg < NumPinned || op.Kind == Def || op.Constraint == FixedReg {
			continue
		}
		if r := a.vregReg[op.VReg]; r != NoPReg && !reserved.Has(r) {
			useRegs = useRegs.With(r)
		}
	}

	// Fixed uses: the value is copied into its register.
	for k, op := range ops {
		if kinds&kindFixedUse == 0 {
			break
		}
		if op.VReg < NumPinned || op.Kind != Use || op.Constraint != FixedReg {
			continue
		}
		v, r := op.VReg, op.Fixed
		locs[k] = RegLoc(r)
		if a.regVal[r] == v || useRegs.Has(r) {
			useRegs = useRegs.With(r)
			continue
		}
		if a.regVal[r] != InvalidVReg {
			a.evictNext(r, i, useRegs|reserved, a.nextUse[a.regVal[r]])
		}
		a.emit(i, 1, a.locOf(v), RegLoc(r), r.Class())
		if a.vregReg[v] == NoPReg {
			a.assign(v, r)
			a.nextUse[v] = int32(i)
		}
		useRegs = useRegs.With(r)
	}
	// Register uses and read-modify-writes: load from the slot if needed.
	for k, op := range ops {
		if kinds&kindRegUse == 0 {
			break
		}
		if op.VReg < NumPinned || !(op.Kind == Mod || op.Kind == Use && op.Constraint == AnyReg) {
			continue
		}
		v := op.VReg
		if r := a.vregReg[v]; r != NoPReg {
			locs[k] = RegLoc(r)
			useRegs = useRegs.With(r)
			continue
		}
		// Its next use is here; nextUse is only kept for values in
		// registers, so it is set as the value is loaded.
		r := a.getReg(a.class(v), useRegs|reserved, v, int32(i), i, i)
		if r == NoPReg {
			return outOfRegs(k)
		}
		a.emit(i, 1, a.slotOf(v), RegLoc(r), r.Class())
		a.assign(v, r)
		a.nextUse[v] = int32(i)
		locs[k] = RegLoc(r)
		useRegs = useRegs.With(r)
	}
	// Register-or-stack uses: wherever the value is.
	for k, op := range ops {
		if kinds&kindStackUse == 0 {
			break
		}
		if op.VReg < NumPinned || op.Kind != Use || op.Constraint != RegOrStack {
			continue
		}
		if r := a.vregReg[op.VReg]; r != NoPReg {
			locs[k] = RegLoc(r)
			useRegs = useRegs.With(r)
		} else {
			locs[k] = a.slotOf(op.VReg)
		}
	}

	// Defs whose register is dictated.
	written := clobbers
	for k, op := range ops {
		if kinds&kindDictatedDef == 0 {
			break
		}
		if op.VReg < NumPinned {
			continue
		}
		switch {
		case op.Kind == Mod:
			written = written.With(locs[k].Reg())
		case op.Kind == Def && op.Constraint == FixedReg:
			locs[k] = RegLoc(op.Fixed)
			written = written.With(op.Fixed)
		case op.Kind == Def && op.Constraint == ReuseInput:
			r := locs[op.Reuse].Reg()
			locs[k] = RegLoc(r)
			written = written.With(r)
		}
	}
	// Early defs: a register that holds nothing the instruction reads.
	for k, op := range ops {
		if kinds&kindEarlyDef == 0 {
			break
		}
		if op.VReg < NumPinned || op.Kind != Def || op.Constraint != AnyReg || !op.Early {
			continue
		}
		r := a.getReg(a.class(op.VReg), useRegs|reserved|written, op.VReg, after[k], i, i+1)
		if r == NoPReg {
			return outOfRegs(k)
		}
		locs[k] = RegLoc(r)
		written = written.With(r)
		reserved = reserved.With(r)
	}
	// Late defs: a free register, or one whose value dies here.
	for k, op := range ops {
		if kinds&kindLateDef == 0 {
			break
		}
		if op.VReg < NumPinned || op.Kind != Def || op.Constraint != AnyReg || op.Early {
			continue
		}
		r := a.defReg(in, op.VReg, after[k], i, written|fixedEarly, liveAfter)
		if r == NoPReg {
			return outOfRegs(k)
		}
		locs[k] = RegLoc(r)
		written = written.With(r)
	}

	// Save what the instruction overwrites but is needed later.
	for r := range regsOf(written) {
		w := a.regVal[r]
		if w == InvalidVReg || definedHere(w) || !liveAfter(w) {
			continue
		}
		a.evictNext(r, i, useRegs|written|reserved, nextAfter(w))
	}

	// Past the instruction.
	for k, op := range ops {
		if op.VReg >= NumPinned && op.Kind == Use && after[k] == infinity {
			if r := a.vregReg[op.VReg]; r != NoPReg {
				a.unassign(r)
			}
		}
	}
	for r := range regsOf(written) {
		a.unassign(r)
	}
	a.written |= written
	for k, op := range ops {
		v := op.VReg
		if v < NumPinned {
			continue
		}
		a.touch(v)
		a.extend(v, i)
		if op.Kind != Use {
			if old := a.vregReg[v]; old != NoPReg {
				a.unassign(old)
			}
			a.slotValid[v] = false
			if after[k] != infinity {
				a.assign(v, locs[k].Reg())
			}
		}
		a.nextUse[v] = after[k]
	}
	return nil
}

// defReg chooses the register of a late def of v (next use at next) at
// instruction i, outside busy: the register of a dying move source first,
// then a free one, then one whose value dies here, then the register of the
// value used furthest away (which the caller then saves).
func (a *allocator) defReg(in Inst, v VReg, next int32, i int, busy RegSet, liveAfter func(VReg) bool) PReg {
	c := a.class(v)
	if dst, src, ok := in.IsMove(); ok && dst == v {
		if r := a.vregReg[src]; r != NoPReg && !busy.Has(r) && !liveAfter(src) {
			return r
		}
	}
	if r := a.freeReg(c, busy, v, next, i+1); r != NoPReg {
		return r
	}
	for _, r := range a.env.Allocatable[c] {
		if w := a.regVal[r]; !busy.Has(r) && (w == InvalidVReg || !liveAfter(w)) {
			return r
		}
	}
	return a.victim(c, busy)
}

// evictNext is evict for a value whose next use is next.
func (a *allocator) evictNext(r PReg, i int, avoid RegSet, next int32) {
	v := a.regVal[r]
	if v == InvalidVReg {
		return
	}
	if next != infinity {
		if to := a.freeReg(r.Class(), avoid.With(r), v, next, i); to != NoPReg {
			a.unassign(r)
			a.emit(i, 1, RegLoc(r), RegLoc(to), r.Class())
			a.assign(v, to)
			return
		}
		a.spillValue(v, r, i)
	}
	a.unassign(r)
}

// locOf is where v can be read now: its register, else its slot.
func (a *allocator) locOf(v VReg) Loc {
	if r := a.vregReg[v]; r != NoPReg {
		return RegLoc(r)
	}
	return a.slotOf(v)
}

// regsOf iterates over the registers of s.
func regsOf(s RegSet) func(func(PReg) bool) {
	return func(yield func(PReg) bool) {
		for x := uint64(s); x != 0; x &= x - 1 {
			r := PReg(bits.TrailingZeros64(x))
			if !yield(r) {
				return
			}
		}
	}
}

// opKinds is a set of operand kinds, one bit per step of allocateInst.
type opKinds uint8

const (
	kindFixedUse    opKinds = 1 << iota // a use in a fixed register
	kindRegUse                          // a use in any register, or a Mod
	kindStackUse                        // a register-or-stack use
	kindDictatedDef                     // a Mod, or a fixed or reused-input def
	kindEarlyDef                        // an early def in any register
	kindLateDef                         // a late def in any register
)

// kindOf is the kind of a (non-pinned) operand.
func kindOf(op Operand) opKinds {
	switch {
	case op.Kind == Mod:
		return kindRegUse | kindDictatedDef
	case op.Kind == Use && op.Constraint == FixedReg:
		return kindFixedUse
	case op.Kind == Use && op.Constraint == RegOrStack:
		return kindStackUse
	case op.Kind == Use:
		return kindRegUse
	case op.Constraint == FixedReg || op.Constraint == ReuseInput:
		return kindDictatedDef
	case op.Early:
		return kindEarlyDef
	}
	return kindLateDef
}
