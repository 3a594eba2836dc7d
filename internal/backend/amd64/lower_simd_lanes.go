package amd64

import (
	"github.com/moat-run/moat/internal/ssa"
)

// Vector data movement: splat, scalar_to_vector, lane extraction and
// insertion, swizzle (register forms; the forms that fold a memory access
// are in lower_simd_mem.go, shuffle in lower_simd_shuffle.go).

func init() {
	for op, r := range map[ssa.Opcode]lowerRule{
		ssa.OpSplat: lowerSplat, ssa.OpScalarToVector: lowerScalarToVector,
		ssa.OpExtractlane: lowerExtractlane, ssa.OpSextractlane: lowerExtractlane,
		ssa.OpInsertlane: lowerInsertlane, ssa.OpSwizzle: lowerSwizzle,
	} {
		lowerRules[op] = r
	}
}

// broadcastOps are the AVX2 broadcasts of lane 0 (or of memory), by shape.
var broadcastOps = map[ssa.Shape]Op{
	ssa.I8x16: VPBROADCASTB, ssa.I16x8: VPBROADCASTW, ssa.I32x4: VPBROADCASTD, ssa.I64x2: VPBROADCASTQ,
	ssa.F32x4: VPBROADCASTD, ssa.F64x2: VPBROADCASTQ,
}

// spreadLane0 appends the SSE code that copies lane 0 of d (of shape sh)
// into every lane.
func (l *lowerer) spreadLane0(vi *vinst, sh ssa.Shape, d Reg) {
	switch sh {
	case ssa.I8x16:
		vi.emit(I(PSHUFB, 0, R(d), l.constMem(ssa.Const128{})))
	case ssa.I16x8:
		vi.emit(I(PSHUFLW, 0, R(d), R(d), Imm(0)))
		vi.emit(I(PSHUFD, 0, R(d), R(d), Imm(0)))
	case ssa.I32x4, ssa.F32x4:
		vi.emit(I(PSHUFD, 0, R(d), R(d), Imm(0)))
	default:
		vi.emit(I(PUNPCKLQDQ, 0, R(d), R(d)))
	}
}

func lowerSplat(l *lowerer, in *ssa.Inst) {
	if lowerLoadSplat(l, in) {
		return
	}
	sh := in.Shape()
	if c, ok := l.splatConst(sh, in.Args[0]); ok {
		l.vconst(in.Results[0], c)
		return
	}
	vi := l.newInst()
	if sh.IsFloat() {
		// The scalar is in an XMM register already.
		x := vi.use(l.reg(in.Args[0]))
		d := vi.def(l.vreg(in.Results[0]))
		if sh == ssa.F32x4 {
			vi.emit(I(PSHUFD, 0, R(d), R(x), Imm(0)))
		} else {
			vi.emit(I(PSHUFD, 0, R(d), R(x), Imm(0x44)))
		}
		return
	}
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	if sh == ssa.I64x2 {
		vi.emit(I(MOVQ, 0, R(d), R(x)))
	} else {
		vi.emit(I(MOVD, 0, R(d), R(x)))
	}
	if l.feat.AVX2 {
		vi.emit(I(broadcastOps[sh], 0, R(d), R(d)))
		return
	}
	l.spreadLane0(vi, sh, d)
}

// splatConst is the vector of a splat of a constant scalar.
func (l *lowerer) splatConst(sh ssa.Shape, x ssa.Value) (ssa.Const128, bool) {
	d := l.defOf(x)
	if d == nil || (d.Op != ssa.OpIconst && d.Op != ssa.OpF32const && d.Op != ssa.OpF64const) {
		return ssa.Const128{}, false
	}
	var c ssa.Const128
	w := sh.LaneBits() / 8
	for i := range c {
		c[i] = byte(d.Imm >> (8 * (i % w)))
	}
	return c, true
}

// lowerScalarToVector: lane 0 is x, the others zero.
func lowerScalarToVector(l *lowerer, in *ssa.Inst) {
	if lowerLoadZero(l, in) {
		return
	}
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	switch in.Shape() {
	case ssa.I8x16:
		vi.emit(I(MOVZX8, S32, R(R11), R(x)))
		vi.emit(I(MOVD, 0, R(d), R(R11)))
	case ssa.I16x8:
		vi.emit(I(MOVZX16, S32, R(R11), R(x)))
		vi.emit(I(MOVD, 0, R(d), R(R11)))
	case ssa.I32x4:
		vi.emit(I(MOVD, 0, R(d), R(x)))
	case ssa.I64x2, ssa.F64x2: // movq zeroes the upper lane, from a GPR or an XMM
		vi.emit(I(MOVQ, 0, R(d), R(x)))
	case ssa.F32x4: // lane 0 of x, lanes 1-3 zeroed by the mask
		vi.emit(I(INSERTPS, 0, R(d), R(x), Imm(0x0e)))
	}
}

// lowerExtractlane: i8/i16 lanes zero- or sign-extended to i32; a float
// lane moved to lane 0 (the other lanes of a scalar are don't-care).
func lowerExtractlane(l *lowerer, in *ssa.Inst) {
	sh, n := in.Shape(), int64(in.Lane())
	vi := l.newInst()
	if sh.IsFloat() && n == 0 {
		d := vi.def(l.vreg(in.Results[0]))
		x := vi.use(l.reg(in.Args[0]))
		vi.move = true
		vi.emit(I(MOVAPS, 0, R(d), R(x)))
		return
	}
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	switch sh {
	case ssa.I8x16:
		vi.emit(I(PEXTRB, 0, R(d), R(x), Imm(n)))
		if in.Op == ssa.OpSextractlane {
			vi.emit(I(MOVSX8, S32, R(d), R(d)))
		}
	case ssa.I16x8:
		vi.emit(I(PEXTRW, 0, R(d), R(x), Imm(n)))
		if in.Op == ssa.OpSextractlane {
			vi.emit(I(MOVSX16, S32, R(d), R(d)))
		}
	case ssa.I32x4:
		if n == 0 {
			vi.emit(I(MOVD, 0, R(d), R(x)))
		} else {
			vi.emit(I(PEXTRD, 0, R(d), R(x), Imm(n)))
		}
	case ssa.I64x2:
		if n == 0 {
			vi.emit(I(MOVQ, 0, R(d), R(x)))
		} else {
			vi.emit(I(PEXTRQ, 0, R(d), R(x), Imm(n)))
		}
	case ssa.F32x4:
		vi.emit(I(PSHUFD, 0, R(d), R(x), Imm(n)))
	case ssa.F64x2:
		vi.emit(I(PSHUFD, 0, R(d), R(x), Imm(0xee)))
	}
}

// pinsrOps insert an integer lane from a general-purpose register or memory.
var pinsrOps = map[ssa.Shape]Op{ssa.I8x16: PINSRB, ssa.I16x8: PINSRW, ssa.I32x4: PINSRD, ssa.I64x2: PINSRQ}

func lowerInsertlane(l *lowerer, in *ssa.Inst) {
	if lowerLoadLane(l, in) {
		return
	}
	sh, n := in.Shape(), int64(in.Lane())
	vi := l.newInst()
	d := l.vecDst(vi, in.Results[0], in.Args[0])
	switch sh {
	case ssa.F32x4:
		x := vi.use(l.reg(in.Args[1]))
		vi.emit(I(INSERTPS, 0, R(d), R(x), Imm(n<<4)))
	case ssa.F64x2:
		x := vi.use(l.reg(in.Args[1]))
		if n == 0 {
			vi.emit(I(MOVSD, 0, R(d), R(x)))
		} else {
			vi.emit(I(MOVLHPS, 0, R(d), R(x)))
		}
	default:
		x := vi.useRM(l.reg(in.Args[1]))
		vi.emit(I(pinsrOps[sh], 0, R(d), R(x), Imm(n)))
	}
}

// lowerSwizzle: selectors >= 16 must give 0; pshufb zeroes only for a set
// top bit, so the selectors are first raised by 0x70 with unsigned
// saturation (16..0x8f reach 0x80..0xff, 0..15 keep their low nibble).
func lowerSwizzle(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	xr := vi.use(l.reg(in.Args[0]))
	sr := vi.use(l.reg(in.Args[1]))
	t := l.vecTemp(vi)
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(MOVAPS, 0, R(t), R(sr)))
	vi.emit(I(PADDUSB, 0, R(t), l.constMem(splatBytes(0x70))))
	vi.emit(I(MOVAPS, 0, R(d), R(xr)))
	vi.emit(I(PSHUFB, 0, R(d), R(t)))
}
