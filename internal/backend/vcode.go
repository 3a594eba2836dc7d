package backend

import (
	"slices"
	"strconv"
)

// VReg is a virtual register: a dense index into its function's register
// table. The first NumPinned indices stand for the physical registers with the
// same number (Pinned); they are never allocated and must name registers the
// MachineEnv does not allocate (the stack pointer, a reserved context
// register). Every other VReg comes from Func.NewVReg and has a class.
type VReg uint32

// NumPinned is the number of VReg indices reserved for physical registers.
const NumPinned = maxPRegs

// InvalidVReg means "no virtual register".
const InvalidVReg VReg = ^VReg(0)

// Pinned is the VReg that stands for physical register p.
func Pinned(p PReg) VReg { return VReg(p) }

// PinnedReg returns the physical register v stands for, if v is pinned.
func (v VReg) PinnedReg() (PReg, bool) {
	if v < NumPinned {
		return PReg(v), true
	}
	return NoPReg, false
}

func (v VReg) String() string {
	if p, ok := v.PinnedReg(); ok {
		return "%" + p.String()
	}
	if v == InvalidVReg {
		return "v?"
	}
	return "v" + strconv.Itoa(int(v-NumPinned))
}

// Inst is one target instruction over virtual registers. The back end never
// looks inside it except through these methods.
type Inst interface {
	// Operands reports every register operand, in a fixed order (the
	// allocation result is indexed by that order), through the visitor.
	Operands(v *OperandVisitor)
	// Clobbers is the set of physical registers the instruction overwrites
	// besides its defs (caller-saved registers at a call).
	Clobbers() RegSet
	// IsMove reports a plain register copy dst = src of one class; the
	// allocator tries to give both the same register.
	IsMove() (dst, src VReg, ok bool)
	// IsTerminator reports whether the instruction ends its block (a branch or
	// return). Its successors are those of its block, in order.
	IsTerminator() bool
}

// BlockID names a block: its index in Func.Blocks, which is also its place in
// the code layout.
type BlockID uint32

func (b BlockID) String() string { return "block" + strconv.Itoa(int(b)) }

// Block is a straight run of instructions, Insts[Start:End] of its function,
// ending in a terminator.
type Block struct {
	Start, End int
	// Params are defined on entry, from the arguments of the incoming edge.
	Params []VReg
	// Succs are the successor blocks, in the order the terminator names them.
	// SuccArgs[k] are the values passed to Succs[k]'s parameters.
	Succs    []BlockID
	SuccArgs [][]VReg
	// Preds is filled in by ComputePreds (Allocate calls it).
	Preds []BlockID
	// Stub marks a block the allocator added to hold the moves of a split
	// critical edge; it holds a single jump.
	Stub bool
}

// Func is one function in vcode form: blocks in layout order, the entry first,
// each block's instructions contiguous in Insts.
//
// What the allocator reads of the instructions is kept flat beside them, with
// no pointers: every operand in Ops, and per instruction a record of where its
// operands are, what it clobbers and whether it is a move or a terminator.
// Append fills them through the Inst's methods; a target that builds its
// operands in Ops directly passes the record with AppendFlat instead, and the
// allocator never calls an Inst's methods.
type Func struct {
	Name   string
	Insts  []Inst
	Blocks []Block
	// Ops holds the operands of every instruction, in any order (a target
	// may leave unused ones between them): instruction i's are
	// Ops[recs[i].lo:recs[i].hi].
	Ops  []Operand
	recs []instRec
	// classes[i] is the class of VReg(NumPinned+i).
	classes []RegClass
	// building is the block being filled, or -1.
	building int

	// Memory kept by Reset: the blocks' successor lists are carved from
	// succPool and argPool (while AddSucc fills one block at a time) and
	// their predecessor lists from predPool.
	succPool  []BlockID
	argPool   [][]VReg
	succOwner int // the block whose successors end the pools, or -1
	predStart []int32
	predPool  []BlockID
	// predEdge[predStart[b]+j] is the index, among the successors of
	// b's j-th predecessor, of the edge that entry stands for.
	predEdge []int32
	// stubPreds holds the one-entry predecessor lists of the allocator's
	// stub blocks, added after ComputePreds (allocator.addStub).
	stubPreds []BlockID
}

// instRec is the flat record of one instruction (see Func).
type instRec struct {
	lo, hi   int32 // its operands are Ops[lo:hi]
	clobbers RegSet
	flags    InstFlags
}

// InstFlags say what kind of instruction a record describes.
type InstFlags uint8

const (
	// FlagMove marks a plain register copy of one class whose operands
	// are the def of the destination, then the use of the source (what
	// Inst.IsMove reports).
	FlagMove InstFlags = 1 << iota
	// FlagTerminator marks the instruction that ends its block.
	FlagTerminator
)

// NewFunc returns an empty function.
func NewFunc(name string) *Func { return &Func{Name: name, building: -1, succOwner: -1} }

// Reset empties f for a new function named name, keeping its memory.
// Nothing built before (instructions, block lists) may be used after.
func (f *Func) Reset(name string) {
	clear(f.Insts) // drop the references to the old instructions
	f.Name, f.Insts, f.Blocks, f.classes = name, f.Insts[:0], f.Blocks[:0], f.classes[:0]
	f.Ops, f.recs = f.Ops[:0], f.recs[:0]
	f.building, f.succOwner = -1, -1
	f.succPool, f.argPool = f.succPool[:0], f.argPool[:0]
}

// Reserve gives f room for insts instructions with ops operands in blocks
// blocks without regrowing (what it has already is kept): a compiler that
// knows how large its largest function is sizes the arrays once instead of
// doubling them through it.
func (f *Func) Reserve(insts, ops, blocks int) {
	f.Insts = slices.Grow(f.Insts, max(insts-len(f.Insts), 0))
	f.recs = slices.Grow(f.recs, max(insts-len(f.recs), 0))
	f.Ops = slices.Grow(f.Ops, max(ops-len(f.Ops), 0))
	f.Blocks = slices.Grow(f.Blocks, max(blocks-len(f.Blocks), 0))
}

// NewVReg makes a fresh virtual register of class c.
func (f *Func) NewVReg(c RegClass) VReg {
	f.classes = append(f.classes, c)
	return VReg(NumPinned + len(f.classes) - 1)
}

// NumVRegs is one more than the largest VReg index in use (pinned included).
func (f *Func) NumVRegs() int { return NumPinned + len(f.classes) }

// Class is the class of v; ok is false for an unknown register.
func (f *Func) Class(v VReg) (RegClass, bool) {
	if p, ok := v.PinnedReg(); ok {
		return p.Class(), true
	}
	if v == InvalidVReg || int(v-NumPinned) >= len(f.classes) {
		return 0, false
	}
	return f.classes[v-NumPinned], true
}

// NewBlock appends a new, empty block. Blocks are laid out in creation order
// and must be filled (StartBlock, Append) in that order too.
func (f *Func) NewBlock(params ...VReg) BlockID {
	f.Blocks = append(f.Blocks, Block{Start: len(f.Insts), End: len(f.Insts), Params: params})
	return BlockID(len(f.Blocks) - 1)
}

// StartBlock makes b the block Append adds to. b must come after every block
// filled so far.
func (f *Func) StartBlock(b BlockID) {
	f.building = int(b)
	if int(b) < len(f.Blocks) {
		f.Blocks[b].Start = len(f.Insts)
		f.Blocks[b].End = len(f.Insts)
	}
}

// Append adds an instruction to the block being built, asking it for its
// operands (appended to Ops), clobbers and kind.
func (f *Func) Append(in Inst) {
	rec := instRec{lo: int32(len(f.Ops))}
	if in != nil { // validation reports it
		vis := OperandVisitor{ops: f.Ops}
		in.Operands(&vis)
		f.Ops = vis.ops
		rec.clobbers = in.Clobbers()
		if in.IsTerminator() {
			rec.flags |= FlagTerminator
		}
		if d, s, ok := in.IsMove(); ok {
			// A move's record names its registers by its first two
			// operands; one that reports them otherwise keeps the flag
			// off, and validation refuses it.
			if ops := f.Ops[rec.lo:]; len(ops) == 2 && ops[0].VReg == d && ops[0].Kind == Def && ops[1].VReg == s && ops[1].Kind == Use {
				rec.flags |= FlagMove
			} else {
				rec.flags |= flagBadMove
			}
		}
	}
	rec.hi = int32(len(f.Ops))
	f.appendRec(in, rec)
}

// flagBadMove marks an instruction reporting a move whose operands are not
// the destination's def and the source's use.
const flagBadMove InstFlags = 1 << 7

// AppendFlat adds an instruction to the block being built whose operands the
// target has put in Ops[lo:hi], with its clobbers and flags: what its
// Operands, Clobbers, IsMove and IsTerminator methods would report, which the
// allocator then never calls.
func (f *Func) AppendFlat(in Inst, lo, hi int, clobbers RegSet, flags InstFlags) {
	f.appendRec(in, instRec{lo: int32(lo), hi: int32(hi), clobbers: clobbers, flags: flags &^ flagBadMove})
}

func (f *Func) appendRec(in Inst, rec instRec) {
	f.Insts = append(f.Insts, in)
	f.recs = append(f.recs, rec)
	if f.building >= 0 && f.building < len(f.Blocks) {
		f.Blocks[f.building].End = len(f.Insts)
	}
}

// InstOps returns the operands of instruction i, as its record has them.
func (f *Func) InstOps(i int) []Operand {
	r := &f.recs[i]
	return f.Ops[r.lo:r.hi]
}

// AddSucc records that the block being built continues to succ with args.
// Call it in the order the terminator names its targets.
func (f *Func) AddSucc(b, succ BlockID, args ...VReg) {
	if int(b) >= len(f.Blocks) {
		return
	}
	blk := &f.Blocks[b]
	if len(blk.Succs) != 0 && f.succOwner != int(b) || len(blk.Succs) != len(blk.SuccArgs) {
		// Not the block being filled: its lists are its own.
		blk.Succs = append(blk.Succs, succ)
		blk.SuccArgs = append(blk.SuccArgs, args)
		return
	}
	// The block's lists are the ends of the pools (or empty): extend them
	// there. Lists of earlier blocks stay valid when a pool moves, as they
	// keep the old array.
	n := len(blk.Succs)
	f.succPool = append(f.succPool, succ)
	f.argPool = append(f.argPool, args)
	ls, la := len(f.succPool), len(f.argPool)
	blk.Succs = f.succPool[ls-n-1 : ls : ls]
	blk.SuccArgs = f.argPool[la-n-1 : la : la]
	f.succOwner = int(b)
}

// pooledSucc returns a one-entry successor list and argument list carved
// from the pools (for the allocator's stub blocks).
func (f *Func) pooledSucc(succ BlockID, args []VReg) ([]BlockID, [][]VReg) {
	f.succPool = append(f.succPool, succ)
	f.argPool = append(f.argPool, args)
	f.succOwner = -1
	ls, la := len(f.succPool), len(f.argPool)
	return f.succPool[ls-1 : ls : ls], f.argPool[la-1 : la : la]
}

// ComputePreds fills every block's Preds (in block order, one entry per
// edge). The lists share one array, so this allocates twice, not per block.
func (f *Func) ComputePreds() {
	nb := len(f.Blocks)
	f.stubPreds = f.stubPreds[:0]
	f.predStart = fill(grow(f.predStart, nb+1), 0)
	start := f.predStart
	for i := range f.Blocks {
		for _, s := range f.Blocks[i].Succs {
			if int(s) < nb {
				start[s+1]++
			}
		}
	}
	for b := 0; b < nb; b++ {
		start[b+1] += start[b]
	}
	// The lists of an earlier call may still be in use when a stub
	// block was added since; a pool too small is replaced, not grown.
	if cap(f.predPool) < int(start[nb]) {
		f.predPool = make([]BlockID, start[nb], start[nb]+start[nb]/4)
	}
	all := f.predPool[:start[nb]]
	edge := grow(f.predEdge, int(start[nb]))
	f.predEdge = edge
	for b := range f.Blocks {
		f.Blocks[b].Preds = all[start[b]:start[b]:start[b+1]]
	}
	for i := range f.Blocks {
		for k, s := range f.Blocks[i].Succs {
			if int(s) < nb {
				sb := &f.Blocks[s]
				edge[start[s]+int32(len(sb.Preds))] = int32(k)
				sb.Preds = append(sb.Preds, BlockID(i))
			}
		}
	}
}

// predArgs are the arguments that the j-th entry of b's predecessor list
// (as ComputePreds made it) passes to b: a lookup, where searching the
// predecessor's successors costs a br_table's thousands of targets.
func (f *Func) predArgs(b BlockID, j int) []VReg {
	p := f.Blocks[b].Preds[j]
	return f.Blocks[p].SuccArgs[f.predEdge[int(f.predStart[b])+j]]
}

// BlockOf returns the block holding instruction i (binary search).
func (f *Func) BlockOf(i int) BlockID {
	lo, hi := 0, len(f.Blocks)
	for lo < hi {
		m := (lo + hi) / 2
		if f.Blocks[m].End <= i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return BlockID(lo)
}
