package amd64

import (
	"errors"
	"fmt"
	"slices"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// LowerError reports an SSA function the amd64 back end cannot lower.
type LowerError struct {
	Func string
	Msg  string
	Err  error // ErrVectorOp, or nil
}

func (e *LowerError) Error() string { return "amd64: " + e.Func + ": " + e.Msg }

func (e *LowerError) Unwrap() error { return e.Err }

// ErrVectorOp is wrapped by the LowerError of a vector instruction that has
// no lowering rule (yet): engines may fall back to the interpreter.
var ErrVectorOp = errors.New("amd64: vector operation not supported")

// lowerRule lowers one SSA instruction. Rules are looked up by opcode in
// lowerRules; each may inspect its operands' definitions (pattern helpers
// such as constOperand, addrMode, flagsOf) to fold them.
type lowerRule func(l *lowerer, in *ssa.Inst)

var lowerRules [ssa.NumOpcodes]lowerRule

func init() {
	for op, r := range map[ssa.Opcode]lowerRule{
		ssa.OpIconst: lowerIconst, ssa.OpF32const: lowerFconst, ssa.OpF64const: lowerFconst,
		ssa.OpIadd: lowerIadd, ssa.OpIsub: lowerIsub, ssa.OpImul: lowerImul,
		ssa.OpBand: lowerAlu, ssa.OpBor: lowerAlu, ssa.OpBxor: lowerAlu,
		ssa.OpUdiv: lowerDiv, ssa.OpSdiv: lowerDiv, ssa.OpUrem: lowerDiv, ssa.OpSrem: lowerDiv,
		ssa.OpIshl: lowerShift, ssa.OpUshr: lowerShift, ssa.OpSshr: lowerShift, ssa.OpRotl: lowerShift, ssa.OpRotr: lowerShift,
		ssa.OpBnot: lowerBnot, ssa.OpClz: lowerBitCount, ssa.OpCtz: lowerBitCount, ssa.OpPopcnt: lowerBitCount,
		ssa.OpSextend8: lowerSextendInPlace, ssa.OpSextend16: lowerSextendInPlace, ssa.OpSextend32: lowerSextendInPlace,
		ssa.OpIcmp: lowerCmpValue, ssa.OpFcmp: lowerCmpValue, ssa.OpSelect: lowerSelect,
		ssa.OpFadd: lowerFarith, ssa.OpFsub: lowerFarith, ssa.OpFmul: lowerFarith, ssa.OpFdiv: lowerFarith,
		ssa.OpFmin: lowerFminmax, ssa.OpFmax: lowerFminmax, ssa.OpFcopysign: lowerFcopysign,
		ssa.OpFneg: lowerFsign, ssa.OpFabs: lowerFsign, ssa.OpSqrt: lowerFround,
		ssa.OpCeil: lowerFround, ssa.OpFloor: lowerFround, ssa.OpTrunc: lowerFround, ssa.OpNearest: lowerFround,
		ssa.OpUextend: lowerExtend, ssa.OpSextend: lowerExtend, ssa.OpIreduce: lowerIreduce,
		ssa.OpFcvtToSint: lowerFcvtToSint, ssa.OpFcvtToSintSat: lowerFcvtToSint,
		ssa.OpFcvtToUint: lowerFcvtToUint, ssa.OpFcvtToUintSat: lowerFcvtToUint,
		ssa.OpFcvtFromSint: lowerFcvtFromInt, ssa.OpFcvtFromUint: lowerFcvtFromInt,
		ssa.OpFpromote: lowerFpromote, ssa.OpFdemote: lowerFpromote, ssa.OpBitcast: lowerBitcast,
		ssa.OpLoad: lowerLoad, ssa.OpUload8: lowerLoad, ssa.OpSload8: lowerLoad, ssa.OpUload16: lowerLoad,
		ssa.OpSload16: lowerLoad, ssa.OpUload32: lowerLoad, ssa.OpSload32: lowerLoad,
		ssa.OpStore: lowerStore, ssa.OpIstore8: lowerStore, ssa.OpIstore16: lowerStore, ssa.OpIstore32: lowerStore,
		ssa.OpCall: lowerCall, ssa.OpCallIndirect: lowerCall, ssa.OpTryCall: lowerCall, ssa.OpTryCallIndirect: lowerCall,
		ssa.OpReturnCall: lowerTailCall, ssa.OpReturnCallIndirect: lowerTailCall,
		ssa.OpTrapz: lowerCondTrap, ssa.OpTrapnz: lowerCondTrap, ssa.OpTrap: lowerTrap,
		ssa.OpJump: lowerJump, ssa.OpBrif: lowerBrif, ssa.OpBrTable: lowerBrTable, ssa.OpReturn: lowerReturn,
	} {
		lowerRules[op] = r
	}
}

// lowerer holds the state of lowering one function. Its tables are kept
// from one function to the next (Scratch): each is truncated, not
// reallocated, by lower.
type lowerer struct {
	// locTypes, argLocs and resultLocs are valueLocs' buffers.
	locTypes            []ssa.Type
	argLocs, resultLocs []argLoc

	f     *ssa.Func
	vf    *backend.Func
	asm   *Assembler
	name  string
	ctx   ssa.Value // the context parameter, which lives in R15
	vregs []backend.VReg
	used  []bool
	fused []bool // by value: a load whose user does its access (loadMem)
	// zeroParam: by value, the i32 block parameters that sit in their
	// registers zero-extended (lower_zext.go), and that computation's
	// working memory.
	zeroParam    []bool
	zextIncoming []bool
	zextEdges    []zextEdge
	cur          []*vinst // the vinsts of the SSA instruction being lowered

	curBlock int         // SSA ID of the block being lowered
	curInsts []*ssa.Inst // its instructions; curIdx is the one being lowered
	curIdx   int
	uses     []int32            // use counts (ssa.Func.UseCounts), made when a rule first asks
	succArgs [][][]backend.VReg // by SSA block ID: per target, the arguments

	blockLabels []Label           // by SSA block ID
	blockIndex  []backend.BlockID // by SSA block ID
	// vblockLabels are the labels of the vcode blocks, by BlockID.
	vblockLabels []Label
	trapLabels   map[trapKey]Label
	trapOrder    []trapKey
	// curInst is the instruction being lowered (its source position,
	// ssa.Inst.Pos, is read only for trap sites and calls: it lies on
	// another cache line than the fields lowering reads); callSites are the
	// return-address marks of the calls.
	curInst    *ssa.Inst
	callSites  []siteLabel
	landings   []landingLabel // try_calls (lower_exceptions.go)
	faultSites []faultLabel   // the instructions that may fault (markFault)
	// faultingUnreachable: Options.FaultingUnreachable.
	faultingUnreachable bool
	pollStub            Label  // the out-of-line poll exit, if any poll is lowered
	savingExit          Label  // its second entry (see pollStub), if used
	cold                []Inst // out-of-line code after the blocks (lower_poll.go)
	makesCalls          bool   // calls other wasm code (a call that is not a builtin)
	sharedPoll          bool   // polls call PollStubCallee instead
	// outgoingWords is the largest stack area a call needs (arguments and
	// results), in 8-byte words.
	outgoingWords int
	// stackParams is the number of stack words of the function's own
	// parameters, which its returns pop.
	stackParams int
	// feat are the extensions the code may use (vector rules pick AVX
	// forms by it).
	feat Features
	err  error

	mem       lowerMem
	order     blockOrder
	layout    []*ssa.Block
	vblocks   []backend.BlockID
	pending   []int32  // the current block's vinsts (indices in mem.insts), backwards
	groupEnds []int32  // ends of the groups in pending
	code      []int32  // every block's vinsts in order, back to back
	codeSpan  []span32 // by SSA block ID: its vinsts in code

	// rematerialised constants (lower_remat.go)
	rematStamp  int32
	remat       []rematRef // by value: its copy in the block being lowered
	rematCopies []rematCopy
	rematCalls  int32 // groups with clobbers lowered so far in the block
}

// lowerMem is where a function's vinsts and its block argument lists live
// (see slab), and the vinsts' templates, back to back in code; their
// operands are written straight into the function's flat operand array,
// vf.Ops. A vinst names its templates and operands by index ranges.
type lowerMem struct {
	vf    *backend.Func
	insts vinstPool
	code  []Inst
	vregs slab[backend.VReg]
	lists slab[[]backend.VReg]
}

// start readies a new vinst: its operands and templates begin at the ends
// of the arrays, where the first ones are appended in place.
func (m *lowerMem) start(in *vinst) {
	in.mem = m
	in.opLo, in.opHi = int32(len(m.vf.Ops)), int32(len(m.vf.Ops))
	in.codeLo, in.codeHi = int32(len(m.code)), int32(len(m.code))
}

func (m *lowerMem) reset() {
	m.insts.reset()
	m.code = m.code[:0]
	m.vregs.reset()
	m.lists.reset()
}

// span32 is a range [lo, hi) of a slice.
type span32 struct{ lo, hi int32 }

func (l *lowerer) fail(format string, args ...any) {
	if l.err == nil {
		l.err = &LowerError{Func: l.name, Msg: fmt.Sprintf(format, args...)}
	}
}

// lower turns f into vcode for the Assembler asm (labels and constants are
// made in asm as lowering goes). It reuses l's tables and fills vf, which
// must be empty.
func lower(l *lowerer, vf *backend.Func, f *ssa.Func, asm *Assembler, sharedPoll bool, feat Features) error {
	l.reset(f, vf, asm, sharedPoll)
	l.feat = feat
	entry := f.Entry()
	if entry == nil || len(entry.Params) == 0 || f.ValueType(entry.Params[0]) != ssa.I64 {
		return &LowerError{Func: f.Name, Msg: "function has no context parameter"}
	}
	l.ctx = entry.Params[0]
	_, l.stackParams = l.valueLocs(&l.argLocs, entry.Params[1:], intArgRegs, floatArgRegs)
	n := f.NumValues()
	l.vregs = fillSlice(resize(l.vregs, n), backend.InvalidVReg)
	l.vregs[l.ctx] = backend.Pinned(pregOf(ctxReg))
	l.used = fillSlice(resize(l.used, n), false)
	l.fused = fillSlice(resize(l.fused, n), false)
	l.computeZeroParams(f)

	post := l.order.compute(f)
	nb := f.NumBlockIDs()
	l.blockLabels = resize(l.blockLabels, nb)
	l.blockIndex = resize(l.blockIndex, nb)
	l.layout = l.layout[:0]
	for _, b := range f.Blocks {
		if l.order.reachable(b) {
			l.blockIndex[b.ID] = backend.BlockID(len(l.layout))
			l.blockLabels[b.ID] = asm.NewLabel()
			l.layout = append(l.layout, b)
		}
	}
	layout := l.layout
	// Block parameters (the entry's are the signature, defined by argument
	// moves instead).
	l.vblocks = resize(l.vblocks, len(layout))
	l.vblockLabels = resize(l.vblockLabels, len(layout))
	for i, b := range layout {
		l.vblockLabels[i] = l.blockLabels[b.ID]
		var params []backend.VReg
		if i > 0 && len(b.Params) > 0 {
			params = l.mem.vregs.take(len(b.Params))
			for _, p := range b.Params {
				params = append(params, l.vreg(p))
			}
		}
		l.vblocks[i] = l.vf.NewBlock(params...)
	}

	// Lower in post order, instructions backwards, so that when an
	// instruction is reached every use of its results has been lowered:
	// a pure instruction whose results nothing needs (because every user
	// folded it) is skipped. Each instruction's vinsts form a group; the
	// groups of a block are collected backwards and copied out forwards.
	l.codeSpan = resize(l.codeSpan, nb)
	l.succArgs = resize(l.succArgs, nb)
	clear(l.succArgs)
	l.code = l.code[:0]
	for _, b := range post {
		l.curBlock = b.ID
		l.curInsts = b.Insts
		l.startRematBlock()
		l.pending, l.groupEnds = l.pending[:0], l.groupEnds[:0]
		for j := len(b.Insts) - 1; j >= 0; j-- {
			in := b.Insts[j]
			l.curIdx = j
			if in.IsRemovableIfUnused() && !l.anyUsed(in.Results) {
				continue
			}
			if len(in.Results) == 1 && l.fused[in.Results[0]] {
				continue // its user does its memory access (loadMem)
			}
			var rule lowerRule
			if int(in.Op) < len(lowerRules) {
				rule = lowerRules[in.Op]
			}
			if rule == nil {
				l.fail("no lowering for %s", f.InstString(in))
				if in.Op.IsVector() {
					l.err.(*LowerError).Err = ErrVectorOp
				}
				continue
			}
			l.cur = l.cur[:0]
			l.curInst = in
			rule(l, in)
			l.endGroup()
		}
		if b == entry {
			l.cur = l.cur[:0]
			l.lowerParams()
			l.endGroup()
		}
		// pending holds the groups in the order they were lowered, each
		// one's vinsts backwards (endGroup): backwards, it is the block's
		// code, into which the constants' copies go before the groups
		// that read them.
		lo := int32(len(l.code))
		l.sortRematCopies()
		copies := l.rematCopies
		code, pending := l.code, l.pending
		next := len(pending) // pending[:next] is left to copy
		for g := len(l.groupEnds) - 1; g >= 0 && len(copies) > 0; g-- {
			for len(copies) > 0 && int(copies[0].group) >= g {
				code = append(code, copies[0].vinst)
				copies = copies[1:]
			}
			start := 0
			if g > 0 {
				start = int(l.groupEnds[g-1])
			}
			for k := int(l.groupEnds[g]) - 1; k >= start; k-- {
				code = append(code, pending[k])
			}
			next = start
		}
		// The groups left (every one if no constant was copied), in one run.
		for k := next - 1; k >= 0; k-- {
			code = append(code, pending[k])
		}
		l.code = code
		l.codeSpan[b.ID] = span32{lo, int32(len(l.code))}
		if l.err != nil {
			return l.err
		}
	}

	for i, b := range layout {
		l.vf.StartBlock(l.vblocks[i])
		sp := l.codeSpan[b.ID]
		for _, vi := range l.code[sp.lo:sp.hi] {
			in := l.mem.insts.at(vi)
			l.vf.AppendFlat(in, int(in.opLo), int(in.opHi), in.clobbers, in.flags())
		}
		term := b.Terminator()
		if term == nil {
			return &LowerError{Func: f.Name, Msg: fmt.Sprintf("block%d has no terminator", b.ID)}
		}
		for k, t := range term.Targets {
			var args []backend.VReg
			if a := l.succArgs[b.ID]; k < len(a) {
				args = a[k]
			}
			l.vf.AddSucc(l.vblocks[i], l.blockIndex[t.Block.ID], args...)
		}
	}
	return l.err
}

// reset readies l for lowering f into vf and asm, keeping its memory.
func (l *lowerer) reset(f *ssa.Func, vf *backend.Func, asm *Assembler, sharedPoll bool) {
	l.f, l.vf, l.asm, l.name, l.sharedPoll = f, vf, asm, f.Name, sharedPoll
	l.ctx, l.curBlock, l.curInst, l.pollStub, l.outgoingWords, l.err = 0, 0, nil, 0, 0, nil
	l.stackParams, l.savingExit = 0, 0
	l.curInsts, l.curIdx, l.uses = nil, 0, nil // uses: counted for this function when a rule asks
	l.cold, l.makesCalls = l.cold[:0], false
	if l.trapLabels == nil {
		l.trapLabels = map[trapKey]Label{}
	}
	clear(l.trapLabels)
	l.trapOrder, l.callSites, l.landings, l.faultSites = l.trapOrder[:0], l.callSites[:0], l.landings[:0], l.faultSites[:0]
	l.mem.reset()
	l.mem.vf = vf
}

// endGroup closes the vinsts of the instruction just lowered as a group.
func (l *lowerer) endGroup() {
	// The group's vinsts go into pending backwards (see lower).
	base, n := len(l.pending), len(l.cur)
	l.pending = slices.Grow(l.pending, n)[:base+n]
	for k, vi := range l.cur {
		if vi.clobbers != 0 {
			l.rematCalls++ // copies of constants are not shared across it
		}
		if vi.mem == nil {
			// Made outside the pool (not by newInst or newTerm): moved in.
			in, id := l.mem.insts.alloc()
			*in = *vi
			in.id = id
			vi = in
		}
		l.pending[base+n-1-k] = vi.id
	}
	l.groupEnds = append(l.groupEnds, int32(len(l.pending)))
}

// resize returns s with length n, reusing its array when it is large
// enough (the elements are not cleared).
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// fillSlice sets every element of s to x and returns s.
func fillSlice[T comparable](s []T, x T) []T {
	var zero T
	if x == zero {
		clear(s) // one memclr instead of a store per element
		return s
	}
	// A few elements by stores, then doubling copies: memmove writes
	// many bytes a step where the loop writes one element (the tables by
	// register hold one to tens of thousands).
	n := min(len(s), 8)
	for i := range n {
		s[i] = x
	}
	for ; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
	return s
}

// blockOrder is the post order of a function's blocks reachable from the
// entry, by depth-first search along the terminators' targets in order
// (ssa.ComputeCFG's order, computed in reusable memory).
type blockOrder struct {
	post    []*ssa.Block
	visited []bool // by block ID
	inFunc  []bool // by block ID: the block is in f.Blocks
	stack   []dfsFrame
}

type dfsFrame struct {
	b       *ssa.Block
	targets []ssa.BlockCall // b's terminator's
	next    int
}

func newDFSFrame(b *ssa.Block) dfsFrame {
	fr := dfsFrame{b: b}
	if t := b.Terminator(); t != nil {
		fr.targets = t.Targets
	}
	return fr
}

// compute returns the post order of f's reachable blocks.
func (o *blockOrder) compute(f *ssa.Func) []*ssa.Block {
	n := f.NumBlockIDs()
	o.visited = fillSlice(resize(o.visited, n), false)
	o.inFunc = fillSlice(resize(o.inFunc, n), false)
	o.post, o.stack = o.post[:0], o.stack[:0]
	for _, b := range f.Blocks {
		if b.ID >= 0 && b.ID < n {
			o.inFunc[b.ID] = true
		}
	}
	entry := f.Entry()
	if entry == nil || entry.ID < 0 || entry.ID >= n {
		return nil
	}
	o.stack = append(o.stack, newDFSFrame(entry))
	o.visited[entry.ID] = true
	for len(o.stack) > 0 {
		top := &o.stack[len(o.stack)-1]
		if top.next < len(top.targets) {
			s := top.targets[top.next].Block
			top.next++
			if s != nil && s.ID >= 0 && s.ID < n && o.inFunc[s.ID] && !o.visited[s.ID] {
				o.visited[s.ID] = true
				o.stack = append(o.stack, newDFSFrame(s))
			}
			continue
		}
		o.post = append(o.post, top.b)
		o.stack = o.stack[:len(o.stack)-1]
	}
	return o.post
}

// reachable reports whether b was reached by the last compute.
func (o *blockOrder) reachable(b *ssa.Block) bool {
	return b != nil && b.ID >= 0 && b.ID < len(o.visited) && o.visited[b.ID]
}

func (l *lowerer) anyUsed(vals []ssa.Value) bool {
	for _, v := range vals {
		if l.used[v] {
			return true
		}
	}
	return false
}

// classOf is the register class of an SSA type.
func classOf(t ssa.Type) backend.RegClass {
	if t == ssa.F32 || t == ssa.F64 || t == ssa.V128 {
		return backend.ClassFloat
	}
	return backend.ClassInt
}

// vreg is the virtual register of SSA value v (made on first sight).
func (l *lowerer) vreg(v ssa.Value) backend.VReg {
	vregs := l.vregs // read once: the store below would make it reloaded
	if uint(v) >= uint(len(vregs)) {
		l.fail("bad value %v", v)
		return backend.Pinned(pregOf(R11))
	}
	r := vregs[v]
	if r == backend.InvalidVReg {
		r = l.vf.NewVReg(classOf(l.f.ValueType(v)))
		vregs[v] = r
	}
	return r
}

// reg marks v as needed in a register and returns its virtual register
// (the pinned context register for the context parameter). A constant
// gets the current block's copy (rematerialised).
func (l *lowerer) reg(v ssa.Value) backend.VReg {
	if d := l.defOf(v); d != nil && isRematConst(d.Op) {
		return l.rematerialised(v, d)
	}
	r := l.vreg(v)
	if uint(v) < uint(len(l.used)) {
		l.used[v] = true
	}
	return r
}

// plainReg is reg for operands that must be allocatable virtual registers
// (reused inputs, block arguments, fixed-register uses): the context is
// copied out of R15 first.
func (l *lowerer) plainReg(v ssa.Value) backend.VReg {
	r := l.reg(v)
	if _, pinned := r.PinnedReg(); pinned {
		c := l.vf.NewVReg(backend.ClassInt)
		in := l.newInst()
		d := in.def(c)
		in.emit(I(MOV, S64, R(d), R(ctxReg)))
		return c
	}
	return r
}

// branchArgs resolves the arguments of a terminator's targets (copying the
// context out of R15 where it is passed) and keeps them for the block's
// successor edges.
func (l *lowerer) branchArgs(term *ssa.Inst) {
	args := l.mem.lists.take(len(term.Targets))[:len(term.Targets)]
	for k, t := range term.Targets {
		args[k] = l.mem.vregs.take(len(t.Args))
		for _, a := range t.Args {
			args[k] = append(args[k], l.plainReg(a))
		}
	}
	l.succArgs[l.curBlock] = args
}

// newInst appends an empty plain vinst to the current group.
func (l *lowerer) newInst() *vinst {
	in, _ := l.mem.insts.alloc()
	l.mem.start(in)
	l.cur = append(l.cur, in)
	return in
}

// newTerm returns an empty vinst of kind from the pool, not yet in the
// group: a terminator is appended after the code that feeds it.
func (l *lowerer) newTerm(kind vkind) *vinst {
	in, _ := l.mem.insts.alloc()
	l.mem.start(in)
	in.kind = kind
	return in
}

// Operand helpers: each appends an operand and returns the register the
// template should name for it.

// newOp appends a zero operand and returns it with its placeholder, to be
// filled in place: an Operand built in a temporary by byte stores and then
// copied whole is read back before the stores retire (a store-forwarding
// stall on every operand). A vinst's operands are contiguous at the end of
// the function's Ops while it is being built; one that gains an operand
// after another vinst's (the context copied out by plainReg, say) has its
// operands moved to the end first, leaving the old copies unused.
func (in *vinst) newOp() (*backend.Operand, Reg) {
	vf := in.mem.vf
	n := len(vf.Ops)
	if int(in.opHi) != n {
		in.moveOps()
		n = len(vf.Ops)
	}
	ops := append(vf.Ops, backend.Operand{}) // in place unless it grows: stores only the length
	vf.Ops = ops
	in.opHi = int32(n + 1)
	return &ops[n], opRegBase + Reg(int32(n)-in.opLo)
}

// moveOps puts the vinst's operands at the end of Ops.
func (in *vinst) moveOps() {
	vf := in.mem.vf
	end := int32(len(vf.Ops))
	vf.Ops = append(vf.Ops, vf.Ops[in.opLo:in.opHi]...)
	in.opLo, in.opHi = end, int32(len(vf.Ops))
}

// lastOp is the operand added last.
func (in *vinst) lastOp() *backend.Operand { return &in.mem.vf.Ops[in.opHi-1] }

func (in *vinst) use(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	op, r := in.newOp()
	op.VReg, op.Kind = v, backend.Use
	return r
}

// useRM is a use that may be read from the value's spill slot.
func (in *vinst) useRM(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	op, r := in.newOp()
	op.VReg, op.Kind, op.Constraint = v, backend.Use, backend.RegOrStack
	return r
}

func (in *vinst) useFixed(v backend.VReg, r Reg) Reg {
	op, _ := in.newOp()
	op.VReg, op.Kind, op.Constraint, op.Fixed = v, backend.Use, backend.FixedReg, pregOf(r)
	return r
}

func (in *vinst) def(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	op, r := in.newOp()
	op.VReg, op.Kind = v, backend.Def
	return r
}

func (in *vinst) defEarly(v backend.VReg) Reg {
	op, r := in.newOp()
	op.VReg, op.Kind, op.Early = v, backend.Def, true
	return r
}

func (in *vinst) defFixed(v backend.VReg, r Reg, early bool) Reg {
	op, _ := in.newOp()
	op.VReg, op.Kind, op.Constraint, op.Fixed, op.Early = v, backend.Def, backend.FixedReg, pregOf(r), early
	return r
}

// defReuse defines v in the register of the use returned as input (which
// must be an operand placeholder, not a physical register).
func (in *vinst) defReuse(v backend.VReg, input Reg) Reg {
	op, _ := in.newOp()
	op.VReg, op.Kind, op.Constraint, op.Reuse = v, backend.Def, backend.ReuseInput, int32(input-opRegBase)
	return input
}

// emit appends a template. A vinst's templates are contiguous at the end
// of the function's (mem.code) while it is being built, as its operands
// are in Ops (see newOp).
func (in *vinst) emit(c Inst) {
	m := in.mem
	if int(in.codeHi) != len(m.code) {
		in.moveCode()
	}
	m.code = append(m.code, c) // in place unless it grows: stores only the length
	in.codeHi++
}

// moveCode puts the vinst's templates at the end of mem.code.
func (in *vinst) moveCode() {
	m := in.mem
	end := int32(len(m.code))
	m.code = append(m.code, m.code[in.codeLo:in.codeHi]...)
	in.codeLo, in.codeHi = end, int32(len(m.code))
}

// templates returns the vinst's templates (none for a vinst made outside
// lowering).
func (in *vinst) templates() []Inst {
	if in.mem == nil {
		return nil
	}
	return in.mem.code[in.codeLo:in.codeHi]
}

// temp makes a fresh virtual register for a sequence's temporary.
func (l *lowerer) temp(c backend.RegClass) backend.VReg { return l.vf.NewVReg(c) }

// trapKey identifies a trap site: sites of one code and source position
// share their out-of-line code.
type trapKey struct {
	code abi.TrapCode
	pos  uint32
}

// siteLabel marks a return address (bound right after a call, or after a
// trap stub's exit call) with the source position it stands for.
type siteLabel struct {
	label Label
	pos   uint32
}

// faultLabel marks a fault site and the trap it means.
type faultLabel struct {
	label Label
	pos   uint32
	code  abi.TrapCode
}

// trapLabel is the label of this function's out-of-line trap code for
// code at the position of the instruction being lowered.
func (l *lowerer) trapLabel(code abi.TrapCode) Label { return l.trapLabelAt(code, l.curPos()) }

// curPos is the source position of the instruction being lowered.
func (l *lowerer) curPos() uint32 {
	if l.curInst == nil {
		return 0
	}
	return l.curInst.Pos
}

func (l *lowerer) trapLabelAt(code abi.TrapCode, pos uint32) Label {
	k := trapKey{code, pos}
	lb, ok := l.trapLabels[k]
	if !ok {
		lb = l.asm.NewLabel()
		l.trapLabels[k] = lb
		l.trapOrder = append(l.trapOrder, k)
	}
	return lb
}

// markCall ends vi (whose last template is a call) with a mark of the
// call's return address at the current source position.
func (l *lowerer) markCall(vi *vinst) { vi.emit(l.callMark(l.asm.NewLabel())) }

// callMark is the mark of a call's return address ret at the current
// source position (a call site): the mark names the site, so emission
// lists the sites in the order of their code (emitter.sites), which is
// the order of their offsets, and they need no sorting.
func (l *lowerer) callMark(ret Label) Inst {
	l.callSites = append(l.callSites, siteLabel{ret, l.curPos()})
	return I(opMark, 0, L(ret), Imm(int64(len(l.callSites))))
}

// lowerParams defines the entry's parameters from their ABI locations.
func (l *lowerer) lowerParams() {
	params := l.f.Entry().Params[1:]
	locs, _ := l.valueLocs(&l.argLocs, params, intArgRegs, floatArgRegs)
	args := l.newInst()
	for k, p := range params {
		if locs[k].reg != NoReg {
			args.defFixed(l.vreg(p), locs[k].reg, false)
		}
	}
	for k, p := range params {
		if locs[k].reg == NoReg {
			in := l.newInst()
			m := M(Mem{Base: RBP, Disp: int32(16 + 8*locs[k].slot)})
			d := in.def(l.vreg(p))
			in.emit(loadInst(l.f.ValueType(p), d, m))
		}
	}
}

// loadInst moves a whole value of type t from memory (or a register) m into
// register d.
func loadInst(t ssa.Type, d Reg, m Operand) Inst {
	switch t {
	case ssa.I32:
		return I(MOV, S32, R(d), m)
	case ssa.F32:
		return I(MOVSS, 0, R(d), m)
	case ssa.F64:
		return I(MOVSD, 0, R(d), m)
	case ssa.V128:
		return I(MOVUPS, 0, R(d), m)
	}
	return I(MOV, S64, R(d), m)
}

// storeInst stores register s of type t to memory m.
func storeInst(t ssa.Type, m Operand, s Reg) Inst {
	switch t {
	case ssa.I32:
		return I(MOV, S32, m, R(s))
	case ssa.F32:
		return I(MOVSS, 0, m, R(s))
	case ssa.F64:
		return I(MOVSD, 0, m, R(s))
	case ssa.V128:
		return I(MOVUPS, 0, m, R(s))
	}
	return I(MOV, S64, m, R(s))
}

// sizeOf is the operand size of an integer type.
func sizeOf(t ssa.Type) Size {
	if t == ssa.I64 {
		return S64
	}
	return S32
}

// rtype is the type of in's first result (the controlling type is not set
// for every opcode).
func (l *lowerer) rtype(in *ssa.Inst) ssa.Type {
	if len(in.Results) == 0 {
		return in.Type
	}
	return l.f.ValueType(in.Results[0])
}
