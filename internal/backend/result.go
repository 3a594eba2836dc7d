package backend

import (
	"strconv"
)

// Loc is where a value lives: a physical register or a spill slot.
// The zero Loc is "nowhere".
type Loc struct {
	kind uint8 // 0 none, 1 register, 2 slot
	reg  PReg
	slot uint32
}

// RegLoc is physical register p.
func RegLoc(p PReg) Loc { return Loc{kind: 1, reg: p} }

// SlotLoc is spill slot s.
func SlotLoc(s int) Loc { return Loc{kind: 2, slot: uint32(s)} }

// IsReg reports whether l is a register.
func (l Loc) IsReg() bool { return l.kind == 1 }

// IsSlot reports whether l is a spill slot.
func (l Loc) IsSlot() bool { return l.kind == 2 }

// IsNone reports whether l is nowhere.
func (l Loc) IsNone() bool { return l.kind == 0 }

// Reg is the register of a register Loc (NoPReg otherwise).
func (l Loc) Reg() PReg {
	if l.kind != 1 {
		return NoPReg
	}
	return l.reg
}

// Slot is the slot of a slot Loc (-1 otherwise).
func (l Loc) Slot() int {
	if l.kind != 2 {
		return -1
	}
	return int(l.slot)
}

func (l Loc) String() string {
	switch l.kind {
	case 1:
		return l.reg.String()
	case 2:
		return "slot" + strconv.Itoa(int(l.slot))
	}
	return "none"
}

// Edit is a move the allocator inserts: it runs just before instruction
// Before. Moves are never slot to slot; From and To differ.
type Edit struct {
	Before   int
	From, To Loc
	Class    RegClass
}

func (e Edit) String() string {
	return "move." + e.Class.String() + " " + e.To.String() + " <- " + e.From.String()
}

// Result is the allocation of one function: everything emission needs.
type Result struct {
	// operandLocs[recs[i].lo+k] is where operand k of instruction i lives.
	operandLocs []Loc
	recs        []instRec
	// Edits sorted by Before, in execution order among equal Before.
	Edits []Edit
	// editStart[i] is the number of edits that run before instructions
	// 0 to i-1: EditsBefore and EditsIn without a search (emission asks
	// for most instructions). Without it (a Result built by hand) they
	// search Edits.
	editStart []int32
	// SlotClass is the class of each spill slot (its size is the env's
	// SlotSize for that class).
	SlotClass []RegClass
	// CalleeSavedUsed are the callee-saved registers the function writes.
	CalleeSavedUsed RegSet
	// Stats describe the work done, for tests and tuning.
	Stats Stats
}

// Stats counts what the allocator inserted.
type Stats struct {
	Moves, Spills, Reloads, EdgeBlocks int
}

// OperandLocs returns where each operand of instruction i lives, in the
// order Inst.Operands reported them.
func (r *Result) OperandLocs(i int) []Loc {
	if i < 0 || i >= len(r.recs) {
		return nil
	}
	return r.operandLocs[r.recs[i].lo:r.recs[i].hi]
}

// EditsBefore returns the edits that run just before instruction i.
func (r *Result) EditsBefore(i int) []Edit { return r.EditsIn(i, i+1) }

// EditsIn returns the edits that run before instructions start to end-1
// (a block's, say).
func (r *Result) EditsIn(start, end int) []Edit {
	if n := len(r.editStart); start >= 0 && start <= end && end < n {
		return r.Edits[r.editStart[start]:r.editStart[end]]
	}
	lo := r.firstEditFrom(start)
	hi := lo
	for hi < len(r.Edits) && r.Edits[hi].Before < end {
		hi++
	}
	return r.Edits[lo:hi]
}

// indexEdits sets editStart for n instructions, in the storage of into.
func (r *Result) indexEdits(n int, into []int32) {
	idx := grow(into, n+1)
	k := 0
	for i := range idx {
		for k < len(r.Edits) && r.Edits[k].Before < i {
			k++
		}
		idx[i] = int32(k)
	}
	r.editStart = idx
}

// firstEditFrom is the index of the first edit that runs before
// instruction i or a later one.
func (r *Result) firstEditFrom(i int) int {
	lo, hi := 0, len(r.Edits)
	for lo < hi {
		m := (lo + hi) / 2
		if r.Edits[m].Before < i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
