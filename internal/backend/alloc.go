package backend

import (
	"fmt"
	"math"
	"sort"
)

// infinity is the next-use position of a value that is never used again.
const infinity = math.MaxInt32

// farAway is how far past a block's end a value used only after the block's
// successors is assumed to be used: far enough to be spilled first.
const farAway = 1 << 16

// stateEntry is where a live value is at a block boundary.
type stateEntry struct {
	v         VReg
	reg       PReg // NoPReg: only in its slot
	slotValid bool
	param     int // index among the block's params, or -1
}

// pendingEdit is an Edit before sorting; slots are still virtual (per vreg).
type pendingEdit struct {
	before, phase, seq int
	from, to           Loc
	class              RegClass
}

// allocator holds the state of one Allocate call.
type allocator struct {
	f     *Func
	env   *MachineEnv
	live  *Liveness
	alloc RegSet

	ops     []Operand // every operand of every instruction, flat
	opStart []int     // ops[opStart[i]:opStart[i+1]] belong to instruction i
	after   []int32   // next use of the operand's register after its instruction
	locs    []Loc

	// the register state while walking a block
	regVal    [maxPRegs]VReg
	vregReg   []PReg
	slotValid []bool
	nextUse   []int32
	touched   []VReg
	hint      []PReg
	spilled   []bool // the vreg's (virtual) slot is referenced
	firstUse  []map[VReg]int32
	clobberAt []int // per instruction: index of the next instruction (this one included) in its block with clobbers, or -1

	processed  []bool
	startState [][]stateEntry
	endState   [][]stateEntry

	edits    []pendingEdit
	seq      int
	written  RegSet
	stats    Stats
	scanNext []int32
	curEnd   int // end of the block being allocated
	endIndex []int32
	endBlock BlockID
	scanSeen []VReg
}

// Allocate assigns registers and spill slots to f for env. It may append
// blocks to f (Stub blocks holding the moves of split critical edges) and
// fills f's Preds. The result says where every operand lives and which moves
// to insert; Check verifies it independently.
func Allocate(f *Func, env *MachineEnv) (res *Result, err error) {
	// Validate rejects what the allocator cannot handle; should a case slip
	// through, the compilation fails instead of the host.
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{Func: f.Name, Inst: -1, Msg: fmt.Sprintf("internal allocator error: %v", r)}
		}
	}()
	if err := checkEnv(env); err != nil {
		return nil, err
	}
	if err := f.Validate(env); err != nil {
		return nil, err
	}
	f.ComputePreds()
	a := &allocator{f: f, env: env, alloc: env.allocatableSet()}
	a.live = ComputeLiveness(f)
	if in := a.live.LiveIn(0); len(in) > 0 {
		return nil, f.errorf(0, -1, "%v is used before it is defined", in[0])
	}
	a.collectOperands()
	if err := a.checkLocalDefs(); err != nil {
		return nil, err
	}
	n := f.NumVRegs()
	a.vregReg = make([]PReg, n)
	for i := range a.vregReg {
		a.vregReg[i] = NoPReg
	}
	a.slotValid = make([]bool, n)
	a.nextUse = make([]int32, n)
	a.spilled = make([]bool, n)
	a.scanNext = make([]int32, n)
	for i := range a.scanNext {
		a.scanNext[i] = infinity
	}
	for i := range a.regVal {
		a.regVal[i] = InvalidVReg
	}
	nb := len(f.Blocks)
	a.processed = make([]bool, nb)
	a.startState = make([][]stateEntry, nb)
	a.endState = make([][]stateEntry, nb)
	for bi := 0; bi < nb; bi++ {
		if err := a.allocateBlock(BlockID(bi)); err != nil {
			return nil, err
		}
	}
	return a.finish()
}

// collectOperands gathers every instruction's operands once, and the
// allocation hints: a register a value is wanted in by some fixed operand.
func (a *allocator) collectOperands() {
	f := a.f
	a.opStart = make([]int, len(f.Insts)+1)
	a.hint = make([]PReg, f.NumVRegs())
	for i := range a.hint {
		a.hint[i] = NoPReg
	}
	var vis OperandVisitor
	for i, in := range f.Insts {
		a.opStart[i] = len(a.ops)
		vis.Reset()
		in.Operands(&vis)
		for _, op := range vis.List() {
			if op.Constraint == FixedReg && a.hint[op.VReg] == NoPReg {
				a.hint[op.VReg] = op.Fixed
			}
		}
		a.ops = append(a.ops, vis.List()...)
	}
	a.opStart[len(f.Insts)] = len(a.ops)
	a.after = make([]int32, len(a.ops))
	a.locs = make([]Loc, len(a.ops))
	a.clobberAt = make([]int, len(f.Insts))
	a.firstUse = make([]map[VReg]int32, len(f.Blocks))
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		next := -1
		for i := b.End - 1; i >= b.Start; i-- {
			if f.Insts[i].Clobbers()&a.alloc != 0 {
				next = i
			}
			a.clobberAt[i] = next
		}
	}
}

// checkLocalDefs reports a block-local register read before any write
// (liveness only sees registers that cross blocks).
func (a *allocator) checkLocalDefs() error {
	definedIn := make([]int32, a.f.NumVRegs())
	for bi := range a.f.Blocks {
		b := &a.f.Blocks[bi]
		for i := b.Start; i < b.End; i++ {
			ops := a.instOps(i)
			for _, op := range ops {
				if op.Kind != Def && op.VReg >= NumPinned && a.live.globalIndex[op.VReg] < 0 && definedIn[op.VReg] != int32(bi+1) {
					return a.f.errorf(BlockID(bi), i, "%v is used before it is defined", op.VReg)
				}
			}
			for _, op := range ops {
				if op.Kind != Use {
					definedIn[op.VReg] = int32(bi + 1)
				}
			}
		}
	}
	return nil
}

// instOps returns instruction i's operands and its slice of after/locs.
func (a *allocator) instOps(i int) []Operand { return a.ops[a.opStart[i]:a.opStart[i+1]] }

// blockFirstUses finds, for each register read in b before being written, the
// position of that first read (for next-use distances across blocks).
func (a *allocator) blockFirstUses(b BlockID) map[VReg]int32 {
	if m := a.firstUse[b]; m != nil {
		return m
	}
	m := map[VReg]int32{}
	blk := &a.f.Blocks[b]
	defined := map[VReg]bool{}
	for i := blk.Start; i < blk.End; i++ {
		ops := a.instOps(i)
		for _, op := range ops {
			if op.Kind != Def && !defined[op.VReg] {
				if _, ok := m[op.VReg]; !ok {
					m[op.VReg] = int32(i - blk.Start)
				}
			}
		}
		for _, op := range ops {
			if op.Kind != Use {
				defined[op.VReg] = true
			}
		}
	}
	a.firstUse[b] = m
	return m
}

// liveOutDistance estimates the next use of v, live out of b, as a position
// past b's end: at the edge if v is an argument, at its first read in a
// successor, or far away if it only passes through.
func (a *allocator) liveOutDistance(b BlockID, v VReg) int32 {
	blk := &a.f.Blocks[b]
	best := int32(farAway)
	for k, s := range blk.Succs {
		for _, arg := range blk.SuccArgs[k] {
			if arg == v {
				return int32(blk.End)
			}
		}
		if d, ok := a.blockFirstUses(s)[v]; ok && d+1 < best {
			best = d + 1
		}
	}
	return int32(blk.End) + best
}

// scanBlock computes, backwards, each operand's next use after its
// instruction and returns the next-use position of each value at the
// block's start through a.scanNext (valid for the vregs in a.scanSeen).
func (a *allocator) scanBlock(b BlockID) {
	for _, v := range a.scanSeen {
		a.scanNext[v] = infinity
	}
	a.scanSeen = a.scanSeen[:0]
	set := func(v VReg, pos int32) {
		if a.scanNext[v] == infinity {
			a.scanSeen = append(a.scanSeen, v)
		}
		a.scanNext[v] = pos
	}
	blk := &a.f.Blocks[b]
	a.live.liveOut[b].forEach(func(g int) {
		v := a.live.globals[g]
		set(v, a.liveOutDistance(b, v))
	})
	for i := blk.End - 1; i >= blk.Start; i-- {
		base := a.opStart[i]
		ops := a.instOps(i)
		for k, op := range ops {
			a.after[base+k] = a.scanNext[op.VReg]
		}
		for _, op := range ops {
			if op.Kind != Use && a.scanNext[op.VReg] != infinity {
				a.scanNext[op.VReg] = infinity
			}
		}
		for _, op := range ops {
			if op.Kind != Def {
				set(op.VReg, int32(i))
			}
		}
	}
}

// resetState forgets the previous block's register state.
func (a *allocator) resetState() {
	for _, v := range a.touched {
		if r := a.vregReg[v]; r != NoPReg {
			a.regVal[r] = InvalidVReg
		}
		a.vregReg[v] = NoPReg
		a.slotValid[v] = false
		a.nextUse[v] = infinity
	}
	a.touched = a.touched[:0]
}

func (a *allocator) touch(v VReg) { a.touched = append(a.touched, v) }

// assign records that v now lives in r (which must be free).
func (a *allocator) assign(v VReg, r PReg) {
	a.touch(v)
	a.regVal[r] = v
	a.vregReg[v] = r
	a.written = a.written.With(r)
}

// unassign frees register r.
func (a *allocator) unassign(r PReg) {
	if v := a.regVal[r]; v != InvalidVReg {
		a.vregReg[v] = NoPReg
		a.regVal[r] = InvalidVReg
	}
}

func (a *allocator) class(v VReg) RegClass {
	c, _ := a.f.Class(v)
	return c
}

// slotOf is v's virtual spill slot (renumbered when slots are shared).
func (a *allocator) slotOf(v VReg) Loc {
	a.spilled[v] = true
	return SlotLoc(int(v))
}

func (a *allocator) emit(before, phase int, from, to Loc, c RegClass) {
	if from == to {
		return
	}
	switch {
	case to.IsSlot():
		a.stats.Spills++
	case from.IsSlot():
		a.stats.Reloads++
	default:
		a.stats.Moves++
	}
	if to.IsReg() {
		a.written = a.written.With(to.Reg())
	}
	a.edits = append(a.edits, pendingEdit{before: before, phase: phase, seq: a.seq, from: from, to: to, class: c})
	a.seq++
}

// allocateBlock sets up b's entry state and allocates its instructions.
func (a *allocator) allocateBlock(b BlockID) error {
	a.resetState()
	a.scanBlock(b)
	blk := &a.f.Blocks[b]
	a.curEnd = blk.End
	var entries []stateEntry
	pred := -1
	for _, p := range blk.Preds {
		if a.processed[p] {
			pred = int(p)
			break
		}
	}
	var predArgs []VReg
	fromPred := func(VReg) (stateEntry, bool) { return stateEntry{}, false }
	if pred >= 0 {
		a.loadEnd(BlockID(pred))
		defer a.unloadEnd(BlockID(pred))
		fromPred = a.endOf
		pb := &a.f.Blocks[pred]
		for k, s := range pb.Succs {
			if s == b {
				predArgs = pb.SuccArgs[k]
				break
			}
		}
	}
	a.live.liveIn[b].forEach(func(g int) {
		v := a.live.globals[g]
		a.touch(v)
		a.nextUse[v] = a.scanNext[v]
		e, ok := fromPred(v)
		if ok && e.reg != NoPReg && a.regVal[e.reg] == InvalidVReg {
			a.assign(v, e.reg)
			a.slotValid[v] = e.slotValid
		} else {
			a.slotValid[v] = true
			a.spilled[v] = true
		}
		entries = append(entries, stateEntry{v: v, reg: a.vregReg[v], slotValid: a.slotValid[v], param: -1})
	})
	for j, p := range blk.Params {
		a.touch(p)
		a.nextUse[p] = a.scanNext[p]
		r := NoPReg
		if a.nextUse[p] != infinity {
			if predArgs != nil {
				if e, ok := fromPred(predArgs[j]); ok && e.reg != NoPReg && a.regVal[e.reg] == InvalidVReg {
					r = e.reg
				}
			}
			if r == NoPReg {
				r = a.freeReg(a.class(p), 0, p, a.nextUse[p], blk.Start)
			}
		}
		if r != NoPReg {
			a.assign(p, r)
		} else {
			a.slotValid[p] = true
			a.spilled[p] = true
		}
		entries = append(entries, stateEntry{v: p, reg: a.vregReg[p], slotValid: a.slotValid[p], param: j})
	}
	a.startState[b] = entries
	for i := blk.Start; i < blk.End; i++ {
		if err := a.allocateInst(b, i); err != nil {
			return err
		}
	}
	var out []stateEntry
	a.live.liveOut[b].forEach(func(g int) {
		v := a.live.globals[g]
		out = append(out, stateEntry{v: v, reg: a.vregReg[v], slotValid: a.slotValid[v], param: -1})
	})
	a.endState[b] = out
	a.processed[b] = true
	return nil
}

// loadEnd makes b's end state readable through endOf.
func (a *allocator) loadEnd(b BlockID) {
	if a.endIndex == nil {
		a.endIndex = make([]int32, a.f.NumVRegs())
	}
	for k, e := range a.endState[b] {
		a.endIndex[e.v] = int32(k + 1)
	}
	a.endBlock = b
}

// unloadEnd forgets what loadEnd(b) set.
func (a *allocator) unloadEnd(b BlockID) {
	for _, e := range a.endState[b] {
		a.endIndex[e.v] = 0
	}
}

// endOf is v's entry in the end state loaded by loadEnd.
func (a *allocator) endOf(v VReg) (stateEntry, bool) {
	if k := a.endIndex[v]; k > 0 {
		return a.endState[a.endBlock][k-1], true
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
		if ci := a.clobberAt[from]; ci >= 0 && next > int32(ci) {
			clob = a.f.Insts[ci].Clobbers()
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
// next; the value is placed from instruction from on), spilling the value needed furthest away if none is free.
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

func sortEdits(edits []pendingEdit) {
	sort.Slice(edits, func(x, y int) bool {
		ex, ey := edits[x], edits[y]
		if ex.before != ey.before {
			return ex.before < ey.before
		}
		if ex.phase != ey.phase {
			return ex.phase < ey.phase
		}
		return ex.seq < ey.seq
	})
}
