package amd64

import (
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Float constants, arithmetic and the WebAssembly-exact float operations.

// fop picks the single- or double-precision form of a scalar SSE op.
func fop(t ssa.Type, single, double Op) Op {
	if t == ssa.F64 {
		return double
	}
	return single
}

// lowerFconst lowers a constant at its definition, which happens only if
// something marked it used there: readers get their own copies
// (lower_remat.go), so in practice nothing does.
func lowerFconst(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	l.emitConst(vi, vi.def(l.vreg(in.Results[0])), in)
}

var farithOps = map[ssa.Opcode][2]Op{
	ssa.OpFadd: {ADDSS, ADDSD}, ssa.OpFsub: {SUBSS, SUBSD}, ssa.OpFmul: {MULSS, MULSD}, ssa.OpFdiv: {DIVSS, DIVSD},
}

func lowerFarith(l *lowerer, in *ssa.Inst) {
	ops := farithOps[in.Op]
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	y := vi.useRM(l.reg(in.Args[1]))
	d := vi.defReuse(l.vreg(in.Results[0]), x)
	vi.emit(I(fop(l.rtype(in), ops[0], ops[1]), 0, R(d), R(y)))
}

// lowerFminmax follows WebAssembly: a NaN operand gives NaN, and -0 < +0.
// minss/maxss alone return the second operand for NaNs and for equal
// operands, so equal and unordered inputs take their own paths: equal ones
// are combined bitwise (or gives -0 for min, and gives +0 for max), and
// unordered ones are added, which yields a quiet NaN.
func lowerFminmax(l *lowerer, in *ssa.Inst) {
	t := l.rtype(in)
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	y := vi.use(l.reg(in.Args[1]))
	d := vi.defReuse(l.vreg(in.Results[0]), x)
	nan, ordinary, done := l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(fop(t, UCOMISS, UCOMISD), 0, R(d), R(y)))
	vi.emit(Jcc(CondP, nan))
	vi.emit(Jcc(CondNE, ordinary))
	if in.Op == ssa.OpFmin {
		vi.emit(I(fop(t, ORPS, ORPD), 0, R(d), R(y)))
	} else {
		vi.emit(I(fop(t, ANDPS, ANDPD), 0, R(d), R(y)))
	}
	vi.emit(Jmp(done))
	vi.emit(I(opBind, 0, L(nan)))
	vi.emit(I(fop(t, ADDSS, ADDSD), 0, R(d), R(y)))
	vi.emit(Jmp(done))
	vi.emit(I(opBind, 0, L(ordinary)))
	if in.Op == ssa.OpFmin {
		vi.emit(I(fop(t, MINSS, MINSD), 0, R(d), R(y)))
	} else {
		vi.emit(I(fop(t, MAXSS, MAXSD), 0, R(d), R(y)))
	}
	vi.emit(I(opBind, 0, L(done)))
}

// signMask is the constant with only the sign bit of t set; absMask all
// the others.
func (l *lowerer) signMask(t ssa.Type) Mem {
	if t == ssa.F64 {
		return l.asm.Const128(1<<63, 0)
	}
	return l.asm.Const128(1<<31, 0)
}

func (l *lowerer) absMask(t ssa.Type) Mem {
	if t == ssa.F64 {
		return l.asm.Const128(1<<63-1, 0)
	}
	return l.asm.Const128(1<<31-1, 0)
}

func lowerFsign(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(in.Args[0])))
	if in.Op == ssa.OpFneg {
		vi.emit(I(XORPS, 0, R(d), M(l.signMask(l.rtype(in)))))
	} else {
		vi.emit(I(ANDPS, 0, R(d), M(l.absMask(l.rtype(in)))))
	}
}

func lowerFcopysign(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	y := vi.use(l.reg(in.Args[1]))
	d := vi.defReuse(l.vreg(in.Results[0]), x)
	tmp := vi.defEarly(l.temp(backend.ClassFloat))
	vi.emit(I(MOVAPS, 0, R(tmp), R(y)))
	vi.emit(I(ANDPS, 0, R(tmp), M(l.signMask(l.rtype(in)))))
	vi.emit(I(ANDPS, 0, R(d), M(l.absMask(l.rtype(in)))))
	vi.emit(I(ORPS, 0, R(d), R(tmp)))
}

// roundModes are roundss immediates: the rounding mode plus 8 (suppress
// the precision exception).
var roundModes = map[ssa.Opcode]int64{ssa.OpNearest: 8, ssa.OpFloor: 9, ssa.OpCeil: 10, ssa.OpTrunc: 11}

func lowerFround(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	if in.Op == ssa.OpSqrt {
		vi.emit(I(fop(l.rtype(in), SQRTSS, SQRTSD), 0, R(d), R(x)))
		return
	}
	vi.emit(I(fop(l.rtype(in), ROUNDSS, ROUNDSD), 0, R(d), R(x), Imm(roundModes[in.Op])))
}

func lowerFpromote(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	if in.Op == ssa.OpFpromote {
		vi.emit(I(CVTSS2SD, 0, R(d), R(x)))
	} else {
		vi.emit(I(CVTSD2SS, 0, R(d), R(x)))
	}
}

func lowerBitcast(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	from := l.f.ValueType(in.Args[0])
	switch {
	case from == ssa.I32 || from == ssa.F32:
		vi.emit(I(MOVD, S32, R(d), R(x)))
	default:
		vi.emit(I(MOVQ, S64, R(d), R(x)))
	}
}
