package amd64

import (
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
}

func (e *LowerError) Error() string { return "amd64: " + e.Func + ": " + e.Msg }

// lowerRule lowers one SSA instruction. Rules are looked up by opcode in
// lowerRules; each may inspect its operands' definitions (pattern helpers
// such as constOperand, addrMode, flagsOf) to fold them.
type lowerRule func(l *lowerer, in *ssa.Inst)

var lowerRules [256]lowerRule

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
		ssa.OpCall: lowerCall, ssa.OpCallIndirect: lowerCall,
		ssa.OpTrapz: lowerCondTrap, ssa.OpTrapnz: lowerCondTrap, ssa.OpTrap: lowerTrap,
		ssa.OpJump: lowerJump, ssa.OpBrif: lowerBrif, ssa.OpBrTable: lowerBrTable, ssa.OpReturn: lowerReturn,
	} {
		lowerRules[op] = r
	}
}

// lowerer holds the state of lowering one function.
type lowerer struct {
	f     *ssa.Func
	vf    *backend.Func
	asm   *Assembler
	name  string
	ctx   ssa.Value // the context parameter, which lives in R15
	vregs []backend.VReg
	used  []bool
	cur   []*vinst // the vinsts of the SSA instruction being lowered

	curBlock int                // SSA ID of the block being lowered
	succArgs [][][]backend.VReg // by SSA block ID: per target, the arguments

	blockLabels []Label           // by SSA block ID
	blockIndex  []backend.BlockID // by SSA block ID
	// vblockLabels are the labels of the vcode blocks, by BlockID.
	vblockLabels []Label
	trapLabels   map[trapKey]Label
	trapOrder    []trapKey
	// curPos is the source position (ssa.Inst.Pos) of the instruction
	// being lowered; callSites are the return-address marks of its calls.
	curPos     uint32
	callSites  []siteLabel
	pollStub   Label  // the out-of-line poll exit, if any poll is lowered
	cold       []Inst // out-of-line code after the blocks (lower_poll.go)
	makesCalls bool   // calls other wasm code (a call that is not a builtin)
	sharedPoll bool   // polls call PollStubCallee instead
	// outgoingWords is the largest stack area a call needs (arguments or
	// results), in 8-byte words.
	outgoingWords int
	err           error
}

func (l *lowerer) fail(format string, args ...any) {
	if l.err == nil {
		l.err = &LowerError{Func: l.name, Msg: fmt.Sprintf(format, args...)}
	}
}

// lower turns f into vcode for the Assembler asm (labels and constants are
// made in asm as lowering goes).
func lower(f *ssa.Func, asm *Assembler, sharedPoll bool) (*lowerer, error) {
	l := &lowerer{f: f, asm: asm, name: f.Name, vf: backend.NewFunc(f.Name), trapLabels: map[trapKey]Label{}, sharedPoll: sharedPoll}
	entry := f.Entry()
	if entry == nil || len(entry.Params) == 0 || f.ValueType(entry.Params[0]) != ssa.I64 {
		return nil, &LowerError{Func: f.Name, Msg: "function has no context parameter"}
	}
	l.ctx = entry.Params[0]
	n := f.NumValues()
	l.vregs = make([]backend.VReg, n)
	for i := range l.vregs {
		l.vregs[i] = backend.InvalidVReg
	}
	l.vregs[l.ctx] = backend.Pinned(pregOf(ctxReg))
	l.used = make([]bool, n)

	cfg := ssa.ComputeCFG(f)
	nb := f.NumBlockIDs()
	l.blockLabels = make([]Label, nb)
	l.blockIndex = make([]backend.BlockID, nb)
	var layout []*ssa.Block
	for _, b := range f.Blocks {
		if cfg.Reachable(b) {
			l.blockIndex[b.ID] = backend.BlockID(len(layout))
			l.blockLabels[b.ID] = asm.NewLabel()
			layout = append(layout, b)
		}
	}
	// Block parameters (the entry's are the signature, defined by argument
	// moves instead).
	vblocks := make([]backend.BlockID, len(layout))
	l.vblockLabels = make([]Label, len(layout))
	for i, b := range layout {
		l.vblockLabels[i] = l.blockLabels[b.ID]
		var params []backend.VReg
		if i > 0 {
			for _, p := range b.Params {
				params = append(params, l.vreg(p))
			}
		}
		vblocks[i] = l.vf.NewBlock(params...)
	}

	// Lower in post order, instructions backwards, so that when an
	// instruction is reached every use of its results has been lowered:
	// a pure instruction whose results nothing needs (because every user
	// folded it) is skipped.
	code := make([][]*vinst, nb)
	l.succArgs = make([][][]backend.VReg, nb)
	for i := len(cfg.RPO) - 1; i >= 0; i-- {
		b := cfg.RPO[i]
		l.curBlock = b.ID
		var groups [][]*vinst
		for j := len(b.Insts) - 1; j >= 0; j-- {
			in := b.Insts[j]
			if in.IsRemovableIfUnused() && !l.anyUsed(in.Results) {
				continue
			}
			var rule lowerRule
			if int(in.Op) < len(lowerRules) {
				rule = lowerRules[in.Op]
			}
			if rule == nil {
				l.fail("no lowering for %s", f.InstString(in))
				continue
			}
			l.cur = nil
			l.curPos = in.Pos
			rule(l, in)
			groups = append(groups, l.cur)
		}
		if b == entry {
			l.cur = nil
			l.lowerParams()
			groups = append(groups, l.cur)
		}
		var list []*vinst
		for g := len(groups) - 1; g >= 0; g-- {
			list = append(list, groups[g]...)
		}
		code[b.ID] = list
		if l.err != nil {
			return nil, l.err
		}
	}

	for i, b := range layout {
		l.vf.StartBlock(vblocks[i])
		for _, vi := range code[b.ID] {
			l.vf.Append(vi)
		}
		term := b.Terminator()
		if term == nil {
			return nil, &LowerError{Func: f.Name, Msg: fmt.Sprintf("block%d has no terminator", b.ID)}
		}
		for k, t := range term.Targets {
			var args []backend.VReg
			if a := l.succArgs[b.ID]; k < len(a) {
				args = a[k]
			}
			l.vf.AddSucc(vblocks[i], l.blockIndex[t.Block.ID], args...)
		}
	}
	return l, l.err
}

func (l *lowerer) anyUsed(vals []ssa.Value) bool {
	return slices.ContainsFunc(vals, func(v ssa.Value) bool { return l.used[v] })
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
	if v < 0 || int(v) >= len(l.vregs) {
		l.fail("bad value %v", v)
		return backend.Pinned(pregOf(R11))
	}
	if l.vregs[v] == backend.InvalidVReg {
		l.vregs[v] = l.vf.NewVReg(classOf(l.f.ValueType(v)))
	}
	return l.vregs[v]
}

// reg marks v as needed in a register and returns its virtual register
// (the pinned context register for the context parameter).
func (l *lowerer) reg(v ssa.Value) backend.VReg {
	r := l.vreg(v)
	if v >= 0 && int(v) < len(l.used) {
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
	args := make([][]backend.VReg, len(term.Targets))
	for k, t := range term.Targets {
		args[k] = make([]backend.VReg, len(t.Args))
		for j, a := range t.Args {
			args[k][j] = l.plainReg(a)
		}
	}
	l.succArgs[l.curBlock] = args
}

// newInst appends an empty plain vinst to the current group.
func (l *lowerer) newInst() *vinst {
	in := &vinst{}
	l.cur = append(l.cur, in)
	return in
}

// Operand helpers: each appends an operand and returns the register the
// template should name for it.

func (in *vinst) add(op backend.Operand) Reg {
	in.ops = append(in.ops, op)
	return opReg(len(in.ops) - 1)
}

func (in *vinst) use(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	return in.add(backend.Operand{VReg: v, Kind: backend.Use})
}

// useRM is a use that may be read from the value's spill slot.
func (in *vinst) useRM(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	return in.add(backend.Operand{VReg: v, Kind: backend.Use, Constraint: backend.RegOrStack})
}

func (in *vinst) useFixed(v backend.VReg, r Reg) Reg {
	in.add(backend.Operand{VReg: v, Kind: backend.Use, Constraint: backend.FixedReg, Fixed: pregOf(r)})
	return r
}

func (in *vinst) def(v backend.VReg) Reg {
	if p, ok := v.PinnedReg(); ok {
		return regOf(p)
	}
	return in.add(backend.Operand{VReg: v, Kind: backend.Def})
}

func (in *vinst) defEarly(v backend.VReg) Reg {
	return in.add(backend.Operand{VReg: v, Kind: backend.Def, Early: true})
}

func (in *vinst) defFixed(v backend.VReg, r Reg, early bool) Reg {
	in.add(backend.Operand{VReg: v, Kind: backend.Def, Constraint: backend.FixedReg, Fixed: pregOf(r), Early: early})
	return r
}

// defReuse defines v in the register of the use returned as input (which
// must be an operand placeholder, not a physical register).
func (in *vinst) defReuse(v backend.VReg, input Reg) Reg {
	in.add(backend.Operand{VReg: v, Kind: backend.Def, Constraint: backend.ReuseInput, Reuse: int(input - opRegBase)})
	return input
}

func (in *vinst) emit(c Inst) { in.code = append(in.code, c) }

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

// trapLabel is the label of this function's out-of-line trap code for
// code at the position of the instruction being lowered.
func (l *lowerer) trapLabel(code abi.TrapCode) Label { return l.trapLabelAt(code, l.curPos) }

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
func (l *lowerer) markCall(vi *vinst) {
	lb := l.asm.NewLabel()
	vi.emit(I(opMark, 0, L(lb)))
	l.callSites = append(l.callSites, siteLabel{lb, l.curPos})
}

// lowerParams defines the entry's parameters from their ABI locations.
func (l *lowerer) lowerParams() {
	params := l.f.Entry().Params[1:]
	isFloat := make([]bool, len(params))
	for k, p := range params {
		isFloat[k] = classOf(l.f.ValueType(p)) == backend.ClassFloat
	}
	locs, _ := assignLocs(isFloat, intArgRegs, floatArgRegs)
	args := &vinst{}
	l.cur = append(l.cur, args)
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
