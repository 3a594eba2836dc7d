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
	rec := &a.recs[i]
	clobbers := rec.clobbers & a.alloc
	if rec.lo == rec.hi && clobbers == 0 {
		return nil // a jump, say: nothing to place, nothing written
	}
	ops := a.ops[rec.lo:rec.hi]
	locs := a.locs[rec.lo:rec.hi]
	after := a.after[rec.lo:rec.hi]

	iv := &instView{ops, after}
	outOfRegs := func(k int) error {
		return a.f.errorf(b, i, "no register left for operand %d", k)
	}

	// One pass sorts the operands into the kinds the steps below handle, so
	// each step runs only if the instruction has operands of its kind.
	// The same pass notes the registers already holding the values the
	// instruction reads in any register or from the stack: they stay
	// (useRegs), unless reserved for a fixed operand.
	// A read already in its register is placed there at once; placed says
	// whether every one was, so that (without fixed operands, which may
	// move them) the use steps below have nothing left to do.
	var fixedUses, fixedEarly, useRegs RegSet
	var kinds opKinds
	placed := true
	for k := range ops {
		op := &ops[k]
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
		} else if op.Kind != Def {
			if r := a.vs[op.VReg].reg; r != NoPReg {
				useRegs = useRegs.With(r)
				locs[k] = RegLoc(r)
			} else {
				placed = false
			}
		}
	}
	if placed && kinds&kindFixedUse == 0 && fixedEarly == 0 {
		kinds &^= kindRegUse | kindStackUse
	}
	reserved := fixedUses | fixedEarly
	if fixedEarly != 0 {
		for r := range regsOf(fixedEarly) {
			if a.regVal[r] != InvalidVReg {
				a.evictNext(r, i, reserved, a.vs[a.regVal[r]].nextUse)
			}
		}
		// An eviction may have moved a value read here: look again.
		useRegs = 0
		for k := range ops {
			if op := &ops[k]; op.VReg >= NumPinned && op.Kind != Def && op.Constraint != FixedReg {
				if r := a.vs[op.VReg].reg; r != NoPReg {
					useRegs = useRegs.With(r)
				}
			}
		}
	}
	useRegs &^= reserved

	// Fixed uses: the value is copied into its register.
	for k := 0; kinds&kindFixedUse != 0 && k < len(ops); k++ {
		op := &ops[k]
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
			a.evictNext(r, i, useRegs|reserved, a.vs[a.regVal[r]].nextUse)
		}
		a.emit(i, a.locOf(v), RegLoc(r), r.Class())
		if a.vs[v].reg == NoPReg {
			a.assign(v, r)
			a.vs[v].nextUse = int32(i)
		}
		useRegs = useRegs.With(r)
	}
	// Register uses and read-modify-writes: load from the slot if needed.
	for k := 0; kinds&kindRegUse != 0 && k < len(ops); k++ {
		op := &ops[k]
		if op.VReg < NumPinned || !(op.Kind == Mod || op.Kind == Use && op.Constraint == AnyReg) {
			continue
		}
		v := op.VReg
		if r := a.vs[v].reg; r != NoPReg {
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
		a.emit(i, a.slotOf(v), RegLoc(r), r.Class())
		a.assign(v, r)
		a.vs[v].nextUse = int32(i)
		locs[k] = RegLoc(r)
		useRegs = useRegs.With(r)
	}
	// Register-or-stack uses: wherever the value is.
	for k := 0; kinds&kindStackUse != 0 && k < len(ops); k++ {
		op := &ops[k]
		if op.VReg < NumPinned || op.Kind != Use || op.Constraint != RegOrStack {
			continue
		}
		if r := a.vs[op.VReg].reg; r != NoPReg {
			locs[k] = RegLoc(r)
			useRegs = useRegs.With(r)
		} else {
			locs[k] = a.slotOf(op.VReg)
			a.slotOps = append(a.slotOps, rec.lo+int32(k))
		}
	}

	// Defs whose register is dictated.
	written := clobbers
	for k := 0; kinds&kindDictatedDef != 0 && k < len(ops); k++ {
		op := &ops[k]
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
			// An input that lives past the block stays where it is: the
			// instruction works on a copy in a free register, rather than
			// the value moving out of its register (which a loop's back
			// edge would then move back). Unless the register is where
			// the result is wanted.
			if in := ops[op.Reuse]; in.Constraint == AnyReg && a.vs[op.VReg].hint != r {
				if w := a.regVal[r]; w != InvalidVReg && !iv.definedHere(w) && a.liveAfter(iv, w) && a.nextAfter(iv, w) >= int32(a.curEnd) {
					busy := useRegs | reserved | written | fixedEarly
					if t := a.freeReg(a.class(op.VReg), busy, op.VReg, after[k], i+1); t != NoPReg {
						a.emit(i, RegLoc(r), RegLoc(t), r.Class())
						locs[op.Reuse] = RegLoc(t)
						r = t
					}
				}
			}
			locs[k] = RegLoc(r)
			written = written.With(r)
		}
	}
	// Early defs: a register that holds nothing the instruction reads.
	for k := 0; kinds&kindEarlyDef != 0 && k < len(ops); k++ {
		op := &ops[k]
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
	for k := 0; kinds&kindLateDef != 0 && k < len(ops); k++ {
		op := &ops[k]
		if op.VReg < NumPinned || op.Kind != Def || op.Constraint != AnyReg || op.Early {
			continue
		}
		r := a.defReg(a.moves[i], op.VReg, after[k], i, written|fixedEarly, iv)
		if r == NoPReg {
			return outOfRegs(k)
		}
		locs[k] = RegLoc(r)
		written = written.With(r)
	}

	// Save what the instruction overwrites but is needed later.
	for r := range regsOf(written) {
		w := a.regVal[r]
		if w == InvalidVReg || iv.definedHere(w) || !a.liveAfter(iv, w) {
			continue
		}
		a.evictNext(r, i, useRegs|written|reserved, a.nextAfter(iv, w))
	}

	// Past the instruction.
	for k := range ops {
		if op := &ops[k]; op.VReg >= NumPinned && op.Kind == Use && after[k] == infinity {
			if r := a.vs[op.VReg].reg; r != NoPReg {
				a.unassign(r)
			}
		}
	}
	for r := range regsOf(written) {
		a.unassign(r)
	}
	a.written |= written
	for k := range ops {
		op := &ops[k]
		v := op.VReg
		if v < NumPinned {
			continue
		}
		a.extend(v, i)
		if op.Kind != Use {
			if old := a.vs[v].reg; old != NoPReg {
				a.unassign(old)
			}
			if a.vs[v].slotValid {
				a.invalidateSlot(v)
			}
			if after[k] != infinity {
				a.assign(v, locs[k].Reg())
			}
		}
		a.vs[v].nextUse = after[k]
	}
	return nil
}

// instView is an instruction's operands and their next uses after it
// (allocateInst's questions about the values it touches).
type instView struct {
	ops   []Operand
	after []int32
}

// definedHere reports whether the instruction writes v.
func (iv *instView) definedHere(v VReg) bool {
	for k := range iv.ops {
		if op := &iv.ops[k]; op.VReg == v && op.Kind != Use {
			return true
		}
	}
	return false
}

// liveAfter reports whether v is needed after the instruction.
func (a *allocator) liveAfter(iv *instView, v VReg) bool {
	for k := range iv.ops {
		if op := &iv.ops[k]; op.VReg == v {
			return op.Kind == Use && iv.after[k] != infinity && !iv.definedHere(v)
		}
	}
	return a.vs[v].nextUse != infinity
}

// nextAfter is v's next use after the instruction.
func (a *allocator) nextAfter(iv *instView, v VReg) int32 {
	for k := range iv.ops {
		if iv.ops[k].VReg == v {
			return iv.after[k]
		}
	}
	return a.vs[v].nextUse
}

// defReg chooses the register of a late def of v (next use at next) at
// instruction i, outside busy: the register of a dying move source first,
// then a free one, then one whose value dies here, then the register of the
// value used furthest away (which the caller then saves).
func (a *allocator) defReg(mv moveRegs, v VReg, next int32, i int, busy RegSet, iv *instView) PReg {
	c := a.class(v)
	if dst, src := mv.dst, mv.src; dst == v {
		if r := a.vs[src].reg; r != NoPReg && !busy.Has(r) && !a.liveAfter(iv, src) {
			return r
		}
	}
	// The register of the back edge's parameter, even while a value dying
	// here holds it: the loop's update then writes its variable in place.
	if r := a.edgeReg(v, next, i+1); r != NoPReg && !busy.Has(r) {
		if w := a.regVal[r]; w == InvalidVReg || !a.liveAfter(iv, w) {
			return r
		}
	}
	if r := a.freeReg(c, busy, v, next, i+1); r != NoPReg {
		return r
	}
	for _, r := range a.env.Allocatable[c] {
		if w := a.regVal[r]; !busy.Has(r) && (w == InvalidVReg || !a.liveAfter(iv, w)) {
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
			a.emit(i, RegLoc(r), RegLoc(to), r.Class())
			a.assign(v, to)
			return
		}
		a.spillValue(v, r, i)
	}
	a.unassign(r)
}

// locOf is where v can be read now: its register, else its slot.
func (a *allocator) locOf(v VReg) Loc {
	if r := a.vs[v].reg; r != NoPReg {
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

// kindOf is the kind of a (non-pinned) operand, from a table: the
// operand loop runs for every instruction, where a chain of tests costs
// branch mispredictions.
func kindOf(op *Operand) opKinds {
	early := 0
	if op.Early {
		early = 1
	}
	// Validation leaves kinds below 3 and constraints below 4: masks
	// keep the index in range without a division.
	return kindTable[op.Kind&3][op.Constraint&3][early]
}

var kindTable = func() (t [4][4][2]opKinds) {
	for kind := range t {
		for c := range t[kind] {
			for early := range t[kind][c] {
				op := Operand{Kind: OperandKind(kind), Constraint: Constraint(c), Early: early == 1}
				switch {
				case op.Kind == Mod:
					t[kind][c][early] = kindRegUse | kindDictatedDef
				case op.Kind == Use && op.Constraint == FixedReg:
					t[kind][c][early] = kindFixedUse
				case op.Kind == Use && op.Constraint == RegOrStack:
					t[kind][c][early] = kindStackUse
				case op.Kind == Use:
					t[kind][c][early] = kindRegUse
				case op.Constraint == FixedReg || op.Constraint == ReuseInput:
					t[kind][c][early] = kindDictatedDef
				case op.Early:
					t[kind][c][early] = kindEarlyDef
				default:
					t[kind][c][early] = kindLateDef
				}
			}
		}
	}
	return t
}()
