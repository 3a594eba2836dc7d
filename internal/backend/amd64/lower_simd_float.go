package amd64

import "github.com/moat-run/moat/internal/ssa"

// Float lanes: arithmetic, square root, rounding, sign operations, and
// WebAssembly's min/max (exact) and pseudo-min/max.

func init() {
	registerRules(map[ssa.Opcode]lowerRule{
		ssa.OpVfadd: floatBinary, ssa.OpVfsub: floatBinary, ssa.OpVfmul: floatBinary, ssa.OpVfdiv: floatBinary,
		ssa.OpVsqrt: floatUnary, ssa.OpVceil: floatUnary, ssa.OpVfloor: floatUnary,
		ssa.OpVtrunc: floatUnary, ssa.OpVnearest: floatUnary,
		ssa.OpVfneg: lowerVfsign, ssa.OpVfabs: lowerVfsign,
		ssa.OpVfmin: lowerVfminmax, ssa.OpVfmax: lowerVfminmax,
		ssa.OpVfminPseudo: lowerVfpseudo, ssa.OpVfmaxPseudo: lowerVfpseudo,
	})
}

// byFloatShape builds a table entry for both float shapes.
func byFloatShape(t map[opShape]packedOp, op ssa.Opcode, ps, pd packedOp) {
	t[opShape{op, ssa.F32x4}] = ps
	t[opShape{op, ssa.F64x2}] = pd
}

var floatBinary = lowerPackedBinary(func() map[opShape]packedOp {
	t := map[opShape]packedOp{}
	byFloatShape(t, ssa.OpVfadd, pADDPS, pADDPD)
	byFloatShape(t, ssa.OpVfsub, pSUBPS, pSUBPD)
	byFloatShape(t, ssa.OpVfmul, packedOp{MULPS, VMULPS}, packedOp{MULPD, VMULPD})
	byFloatShape(t, ssa.OpVfdiv, packedOp{DIVPS, VDIVPS}, packedOp{DIVPD, VDIVPD})
	return t
}())

// floatUnary: sqrtps, and roundps with the mode plus 8 (no precision
// exception): a NaN lane comes out quieted with its payload, as WebAssembly
// (and the interpreter) have it.
var floatUnary = lowerPackedUnary(func() map[opShape]packedUnary {
	t := map[opShape]packedUnary{}
	for op, mode := range map[ssa.Opcode]int64{ssa.OpVnearest: 8, ssa.OpVfloor: 9, ssa.OpVceil: 10, ssa.OpVtrunc: 11} {
		t[opShape{op, ssa.F32x4}] = packedUnary{packedOp{ROUNDPS, VROUNDPS}, mode}
		t[opShape{op, ssa.F64x2}] = packedUnary{pROUNDPD, mode}
	}
	t[opShape{ssa.OpVsqrt, ssa.F32x4}] = packedUnary{packedOp{SQRTPS, VSQRTPS}, -1}
	t[opShape{ssa.OpVsqrt, ssa.F64x2}] = packedUnary{packedOp{SQRTPD, VSQRTPD}, -1}
	return t
}())

// floatSignMask is the constant with the sign bit of every lane of shape s
// set (neg flips it, abs clears it with the complement).
func (l *lowerer) floatSignMask(s ssa.Shape, abs bool) Operand {
	m := uint64(1<<31 | 1<<63)
	if s == ssa.F64x2 {
		m = 1 << 63
	}
	if abs {
		m = ^m
	}
	return l.splat64(m)
}

// lowerVfsign: neg and abs touch only the sign bits, NaNs included.
func lowerVfsign(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	d := l.packedDef(vi, in, x)
	if in.Op == ssa.OpVfneg {
		l.op3(vi, pXORPS, d, x, l.floatSignMask(in.Shape(), false))
	} else {
		l.op3(vi, pANDPS, d, x, l.floatSignMask(in.Shape(), true))
	}
}

// lowerVfpseudo: pmin x, y is y < x ? y : x and pmax x, y is x < y ? y : x,
// which are minps/maxps with y first (they return their second operand
// when the first is not smaller/greater, NaNs and equal zeros included).
func lowerVfpseudo(l *lowerer, in *ssa.Inst) {
	op := map[ssa.Opcode][2]packedOp{ssa.OpVfminPseudo: {pMINPS, pMINPD}, ssa.OpVfmaxPseudo: {pMAXPS, pMAXPD}}[in.Op]
	vi := l.newInst()
	y := vi.use(l.plainReg(in.Args[1]))
	x := l.packedSrc(vi, in.Args[0])
	d := l.packedDef(vi, in, y)
	l.op3(vi, op[shapeIndex(in.Shape())], d, y, x)
}

// shapeIndex is 0 for f32x4, 1 for f64x2.
func shapeIndex(s ssa.Shape) int {
	if s == ssa.F64x2 {
		return 1
	}
	return 0
}

// lowerVfminmax follows WebAssembly: a NaN lane gives NaN, and -0 < +0.
// minps/maxps return the second operand for NaNs and equal operands, so
// both operand orders are computed and combined bitwise: for ordered lanes
// the two agree except on zeros of opposite signs, where or (min) gives -0
// and and (max) gives +0. Unordered lanes take x + y, which is the first
// NaN operand quieted, exactly as the scalar lowering and the interpreter.
//
//	t1 = min(x, y); d = min(y, x); t1 = t1 | d
//	d = cmpunord(x, y); n = x + y
//	d = (t1 &^ d) | (n & d)          (AVX: one vblendvps)
func lowerVfminmax(l *lowerer, in *ssa.Inst) {
	f := shapeIndex(in.Shape())
	minmax := [2][2]packedOp{{pMINPS, pMINPD}, {pMAXPS, pMAXPD}}[b2i(in.Op == ssa.OpVfmax)][f]
	combine := pORPS
	if in.Op == ssa.OpVfmax {
		combine = pANDPS
	}
	cmp := [2]packedOp{pCMPPS, pCMPPD}[f]
	add := [2]packedOp{pADDPS, pADDPD}[f]
	const unord = 3

	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	y := vi.use(l.reg(in.Args[1]))
	d := vi.defEarly(l.vreg(in.Results[0]))
	t1, n := l.vtemp(vi), l.vtemp(vi)
	l.op3(vi, minmax, t1, x, R(y))
	l.op3(vi, minmax, d, y, R(x))
	l.op3(vi, combine, t1, t1, R(d))
	l.op3(vi, cmp, d, x, R(y), Imm(unord))
	l.op3(vi, add, n, x, R(y))
	if l.avx() {
		vi.emit(I4(VBLENDVPS, 0, R(d), R(t1), R(n), R(d)))
		return
	}
	l.op3(vi, pANDPS, n, n, R(d))
	l.op3(vi, pANDNPS, d, d, R(t1))
	l.op3(vi, pORPS, d, d, R(n))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
