package backend

import (
	"fmt"
	"math"
	"sync"
)

// infinity is the next-use position of a value that is never used again.
const infinity = math.MaxInt32

// farAway is how far past a block's end a value used only after the block's
// successors is assumed to be used: far enough to be spilled first.
const farAway = 1 << 16

// stateEntry is where a live value is at a block boundary.
type stateEntry struct {
	v         VReg
	g         int32 // v's global index
	param     int32 // index among the block's params, or -1
	reg       PReg  // NoPReg: only in its slot
	slotValid bool
}

// hull is the range [lo, hi] of instruction positions a value's slot may
// be needed over; empty when hi < lo.
type hull struct{ lo, hi int32 }

// vregState is everything the allocator keeps per virtual register, in one
// struct so that handling an operand touches one cache line, not one per
// array.
type vregState struct {
	reg       PReg // its register, or NoPReg
	hint      PReg // a register some fixed operand wants it in, or NoPReg
	slotValid bool // its slot holds it; true unless known otherwise
	spilled   bool // its (virtual) slot is referenced
	nextUse   int32
	paramMark int32 // 1 + the block being allocated, if a parameter of it
	hull      hull  // its live range hull in layout order, for slot sharing
	// scan is its next use and dist the distance past the block's end of
	// its next use (see scanBlock), valid if stamped with the block.
	scan, dist stamped
	// edgeReg is the register of the parameter it is passed to at the end
	// of the block being allocated, when that successor (a loop header,
	// reached by its back edge) was allocated already: a value computed
	// there lands in that register and the edge needs no move.
	edgeReg stamped
	// loopRead and loopDrop are stamped with 1 + a loop header whose loop
	// reads the value, or whose entry puts it in its slot (alloc_loop.go).
	loopRead, loopDrop int32
	// pressSeen is stamped by blockPressure's walk.
	pressSeen int32
}

// span is the range [lo, hi) of a block's entries in allocator.states.
type span struct{ lo, hi int32 }

// pendingEdit is an edge move before it is merged with the instructions'
// own edits.
type pendingEdit struct {
	before, at int32 // at: the number of instruction edits that go first
	// phase orders edits before the same instruction: 0 edge moves at a
	// block's start, 1 the instruction's own moves, 2 edge moves before a
	// block's final jump.
	phase    uint8
	class    RegClass
	from, to Loc
}

// Allocator allocates registers for one function at a time and keeps its
// working memory from one call to the next, so a compiler that allocates
// many functions (with one Allocator per goroutine) allocates little beyond
// each Result. The zero value is ready to use; an Allocator must not be used
// by two goroutines at once. The package function Allocate takes Allocators
// from a pool.
type Allocator struct {
	a allocator
	// MaxLiveEntries, when positive, caps the total size of a function's
	// live-in sets (the sum over blocks of the values live into each):
	// beyond the code's own size, the one cost that can grow as values ×
	// blocks. A function past it fails with a *LimitError, after work and
	// memory proportional to the cap.
	MaxLiveEntries int
}

// NewAllocator returns an Allocator with no memory reserved yet.
func NewAllocator() *Allocator { return &Allocator{} }

// allocators are reused by Allocate; the pool drops them at garbage
// collection, so a large function's buffers are not kept forever.
var allocators = sync.Pool{New: func() any { return NewAllocator() }}

// Allocate assigns registers and spill slots to f for env. It may append
// blocks to f (Stub blocks holding the moves of split critical edges) and
// fills f's Preds. The result says where every operand lives and which moves
// to insert; Check verifies it independently. It is safe for concurrent use
// on different functions.
func Allocate(f *Func, env *MachineEnv) (*Result, error) {
	al := allocators.Get().(*Allocator)
	res, err := al.Allocate(f, env)
	allocators.Put(al)
	return res, err
}

// Allocate is the package function Allocate, reusing al's memory. The
// Result shares nothing with al.
func (al *Allocator) Allocate(f *Func, env *MachineEnv) (*Result, error) {
	al.a.shared = false
	return al.allocate(f, env)
}

// AllocateReusing is Allocate with a Result that shares al's memory: it is
// valid only until al's next call, and so costs no allocation once al's
// buffers have grown to the size of the functions it sees.
func (al *Allocator) AllocateReusing(f *Func, env *MachineEnv) (*Result, error) {
	al.a.shared = true
	return al.allocate(f, env)
}

func (al *Allocator) allocate(f *Func, env *MachineEnv) (res *Result, err error) {
	a := &al.a
	// Validate rejects what the allocator cannot handle; should a case slip
	// through, the compilation fails instead of the host.
	defer func() {
		a.f, a.env, a.seq.env = nil, nil, nil
		if a.shared {
			a.res.keep(a.locs, a.slotClass)
		}
		a.locs, a.ops, a.recs, a.slotClass = nil, nil, nil, nil
		if r := recover(); r != nil {
			res, err = nil, &Error{Func: f.Name, Inst: -1, Msg: fmt.Sprintf("internal allocator error: %v", r)}
		}
	}()
	if err := checkEnv(env); err != nil {
		return nil, err
	}
	a.start(f, env)
	a.mark = fill(grow(a.mark, f.NumVRegs()), 0)
	a.moves = grow(a.moves, len(f.Insts))
	a.special = a.special[:0]
	if err := f.validate(env, a.mark, a.moves, &a.special); err != nil {
		return nil, err
	}
	f.ComputePreds()
	a.live.MaxEntries = al.MaxLiveEntries
	a.live.compute(f)
	if a.live.Exceeded {
		return nil, &LimitError{Func: f.Name, What: "live-in sets (values live into each block, summed)", Limit: al.MaxLiveEntries}
	}
	if g := a.live.undefGlobal; g >= 0 {
		return nil, f.errorf(0, -1, "%v is used before it is defined", a.live.globals[g])
	}
	if l := &a.live; l.undefInst >= 0 {
		return nil, f.errorf(l.undefBlock, l.undefInst, "%v is used before it is defined", l.undefVReg)
	}
	a.prepare()
	for bi := range f.Blocks {
		if err := a.allocateBlock(BlockID(bi)); err != nil {
			return nil, err
		}
	}
	return a.finish()
}

// allocator holds the state of one Allocate call. Everything indexed by
// vreg, instruction, operand or block is a dense slice (no maps), sized and
// reset at the start of each call and kept for the next one.
type allocator struct {
	f     *Func
	env   *MachineEnv
	live  Liveness
	alloc RegSet

	ops   []Operand  // f.Ops: every operand of every instruction, flat
	recs  []instRec  // f's instruction records: where each one's operands are in ops, its clobbers
	moves []moveRegs // per instruction: its move registers, found by validation
	// special lists the instructions validation took off its fast path,
	// among them every one with a fixed-register operand.
	special []int32
	after   []int32 // per operand (indexed as ops): next use of its register after its instruction
	locs    []Loc   // per operand (indexed as ops): its location (owned by the Result)

	// the register state while walking a block
	regVal    [maxPRegs]VReg
	free      RegSet // the allocatable registers holding nothing
	classRegs [NumClasses]RegSet
	// orderRuns: each class's allocatable registers as the ascending runs
	// of the env's order (setOrderRuns, firstInOrder).
	orderRuns [NumClasses][]RegSet
	vs        []vregState
	dirty     []VReg  // the values whose slotValid is false
	clobberAt []int32 // per instruction: the next instruction (this one included) in its block with clobbers, or -1
	curEnd    int     // end of the block being allocated

	stamp int32 // 1 + the block scanned last (see scanBlock)

	// loops (alloc_loop.go): each header's last block, calls before each
	// block, values of each class live into each block, and planning's
	// list of the values a loop reads.
	hasLoops    bool
	loopEnd     []int32
	callsBefore []int32
	liveCount   [NumClasses][]int32
	loopReads   []VReg
	pressStamp  int32
	pressDies   []bool

	// block boundary states: startSpan[b] and endSpan[b] index states (see allocateBlock)
	processed []bool
	states    []stateEntry
	// copiedFrom[b] is the predecessor whose end state b's start copied
	// unchanged (its live-ins in registers), or -1: that edge needs moves
	// for b's parameters only (see edgeMoves).
	copiedFrom         []int32
	startSpan, endSpan []span

	edits     []Edit        // the instructions' own edits, in order of Before; slots virtual until finish
	edgeEdits []pendingEdit // edits resolving block edges
	// edgeSorted and editCount are sortEdgeEdits' memory.
	edgeSorted []pendingEdit
	editCount  []int32
	// editsStart[b] and editsEnd[b] are len(edits) when block b's
	// allocation starts and ends.
	editsStart, editsEnd []int32
	written              RegSet
	stats                Stats

	mark []int32 // per vreg stamps for validation

	// spilledVals lists the values whose slot is referenced (markSpilled),
	// slotOps the operands given a (virtual) slot: finish renumbers only
	// those, not every value and operand.
	spilledVals []VReg
	slotOps     []int32

	// shared: the Result is res, built in kept memory (AllocateReusing).
	shared bool
	res    sharedResult

	// slot sharing and edge resolution (alloc_finish.go)
	slotMap   []int32
	byStart   []VReg
	busy      [NumClasses]slotHeap
	freeSlots [NumClasses][]int32
	slotClass []RegClass // owned by the Result
	emergency [NumClasses][]int
	edgeBuf   []move
	seq       moveSequencer
}

// start begins a call on f: the operands and instruction records are f's
// own (Func.Ops, Func.AppendFlat), read in place.
func (a *allocator) start(f *Func, env *MachineEnv) {
	a.f, a.env, a.alloc = f, env, env.allocatableSet()
	a.setOrderRuns(env)
	a.seq.env = env
	if a.seq.tempSlot == nil {
		a.seq.tempSlot = a.tempSlot
	}
	a.ops, a.recs = f.Ops, f.recs
}

// prepare sizes and resets the per-call state of a validated function:
// allocation hints (a register a value is wanted in by some fixed operand),
// clobber positions, and the register state.
func (a *allocator) prepare() {
	f := a.f
	n, ni, nb := f.NumVRegs(), len(f.Insts), len(f.Blocks)
	a.vs = fill(grow(a.vs, n), vregState{reg: NoPReg, hint: NoPReg, slotValid: true, hull: hull{lo: infinity, hi: -1}})
	for _, i := range a.special { // the only instructions with fixed operands
		for _, op := range a.instOps(int(i)) {
			if op.Constraint == FixedReg && a.vs[op.VReg].hint == NoPReg {
				a.vs[op.VReg].hint = op.Fixed
			}
		}
	}
	a.after = grow(a.after, len(a.ops))
	if a.shared {
		a.locs = grow(a.res.locs, len(a.ops))
		clear(a.locs)
	} else {
		a.locs = make([]Loc, len(a.ops))
	}
	a.clobberAt = grow(a.clobberAt, ni)
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		next := int32(-1)
		for i := b.End - 1; i >= b.Start; i-- {
			if a.recs[i].clobbers&a.alloc != 0 {
				next = int32(i)
			}
			a.clobberAt[i] = next
		}
	}

	for g, v := range a.live.globals {
		a.vs[v].hull = a.live.hulls[g]
	}
	for i := range a.regVal {
		a.regVal[i] = InvalidVReg
	}
	a.free = a.alloc
	for c := range a.classRegs {
		a.classRegs[c] = RegSetOf(a.env.Allocatable[c]...)
	}
	a.prepareLoops()
	a.dirty = a.dirty[:0]
	a.spilledVals, a.slotOps = a.spilledVals[:0], a.slotOps[:0]

	a.processed = fill(grow(a.processed, nb), false)
	a.copiedFrom = grow(a.copiedFrom, nb)
	a.startSpan = grow(a.startSpan, nb)
	a.editsStart = grow(a.editsStart, nb)
	a.editsEnd = grow(a.editsEnd, nb)
	a.endSpan = grow(a.endSpan, nb)
	a.states = a.states[:0]
	a.edits, a.edgeEdits = a.edits[:0], a.edgeEdits[:0]
	a.written, a.stats = 0, Stats{}
}

// instOps returns instruction i's operands; a.after and a.locs are indexed
// as a.ops.
func (a *allocator) instOps(i int) []Operand {
	r := &a.recs[i]
	return a.ops[r.lo:r.hi]
}

// resetState forgets the previous block's register state. Only values in
// registers have a register, only those in a.dirty have a stale slot, and
// nextUse is set whenever a value enters a register (it means nothing
// otherwise), so this costs a step per register and per value written in
// the block, not per value live.
func (a *allocator) resetState() {
	for r := range regsOf(a.alloc &^ a.free) { // the registers holding a value
		a.vs[a.regVal[r]].reg = NoPReg
		a.regVal[r] = InvalidVReg
	}
	a.free = a.alloc
	for _, v := range a.dirty {
		a.vs[v].slotValid = true
	}
	a.dirty = a.dirty[:0]
}

// invalidateSlot records that v's slot no longer holds its value.
func (a *allocator) invalidateSlot(v VReg) {
	a.vs[v].slotValid = false
	a.dirty = append(a.dirty, v)
}

// assign records that v now lives in r (which must be free).
func (a *allocator) assign(v VReg, r PReg) {
	a.regVal[r] = v
	a.free &^= 1 << r
	a.vs[v].reg = r
	a.written = a.written.With(r)
}

// unassign frees register r.
func (a *allocator) unassign(r PReg) {
	if v := a.regVal[r]; v != InvalidVReg {
		a.vs[v].reg = NoPReg
		a.regVal[r] = InvalidVReg
		a.free |= 1 << r
	}
}

// class is the class of v, a register of the validated function: an
// index, without Func.Class's checks for unknown registers.
func (a *allocator) class(v VReg) RegClass {
	if v < NumPinned {
		return PReg(v).Class()
	}
	return a.f.classes[v-NumPinned]
}

// slotOf is v's virtual spill slot (renumbered when slots are shared).
func (a *allocator) slotOf(v VReg) Loc {
	a.markSpilled(v)
	return SlotLoc(int(v))
}

// markSpilled records that v's slot is referenced; a.spilledVals lists
// such values once each, so slot sharing visits only them.
func (a *allocator) markSpilled(v VReg) {
	if !a.vs[v].spilled {
		a.vs[v].spilled = true
		a.spilledVals = append(a.spilledVals, v)
	}
}

// emit records a move before instruction i (its own moves, phase 1). They
// come in order of i, as blocks and instructions are walked in order; edge
// moves go to a list of their own and are merged in at the end (see finish).
func (a *allocator) emit(i int, from, to Loc, c RegClass) {
	if from == to {
		return
	}
	a.countMove(from, to)
	a.edits = append(a.edits, Edit{Before: i, From: from, To: to, Class: c})
}

// countMove updates the statistics and the registers written for a move.
func (a *allocator) countMove(from, to Loc) {
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
}
