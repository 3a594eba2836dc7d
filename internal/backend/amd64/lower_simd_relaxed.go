package amd64

import (
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// The relaxed SIMD opcodes: each is the one x86 instruction whose result
// moat chose for it (internal/interp/simd/relaxed.go), on SSE and AVX
// alike. The relaxed instructions without an opcode of their own are built
// by the frontend from 2.0 opcodes (madd as mulps then addps, min as
// minps through vfmin_pseudo, ...).

func init() {
	registerRules(map[ssa.Opcode]lowerRule{
		ssa.OpSwizzleRelaxed:         lowerSwizzleRelaxed,
		ssa.OpVfcvtToSintRelaxed:     relaxedUnary,
		ssa.OpVfcvtToSintRelaxedZero: relaxedUnary,
		ssa.OpVqmulRoundRelaxed:      lowerPackedBinary(map[opShape]packedOp{{ssa.OpVqmulRoundRelaxed, ssa.I16x8}: {PMULHRSW, VPMULHRSW}}),
		ssa.OpVdotI8I7:               lowerVdotI8I7,
		ssa.OpVlaneselect:            lowerVlaneselect,
	})
}

// relaxedUnary: cvttps2dq and cvttpd2dq as they are (INT32_MIN for NaN
// and out-of-range lanes; cvttpd2dq zeroes lanes 2 and 3).
var relaxedUnary = lowerPackedUnary(map[opShape]packedUnary{
	{ssa.OpVfcvtToSintRelaxed, ssa.I32x4}:     {pCVTTPS2DQ, -1},
	{ssa.OpVfcvtToSintRelaxedZero, ssa.I32x4}: {pCVTTPD2DQ, -1},
})

// lowerSwizzleRelaxed is pshufb: no fix-up for selectors 16-127.
func lowerSwizzleRelaxed(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	s := l.packedSrc(vi, in.Args[1])
	d := l.packedDef(vi, in, x)
	l.op3(vi, packedOp{PSHUFB, VPSHUFB}, d, x, s)
}

// lowerVdotI8I7 is pmaddubsw with y as its unsigned first operand.
func lowerVdotI8I7(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	y := vi.use(l.plainReg(in.Args[1]))
	x := l.packedSrc(vi, in.Args[0])
	d := l.packedDef(vi, in, y)
	l.op3(vi, packedOp{PMADDUBSW, VPMADDUBSW}, d, y, x)
}

// blendOps are the variable blends by shape: each byte (or dword, qword)
// from the source where the mask's top bit is set, else the destination's.
var blendOps = map[ssa.Shape]packedOp{
	ssa.I8x16: {PBLENDVB, VPBLENDVB}, ssa.I16x8: {PBLENDVB, VPBLENDVB},
	ssa.I32x4: {BLENDVPS, VBLENDVPS}, ssa.I64x2: {BLENDVPD, VBLENDVPD},
}

// lowerVlaneselect: vlaneselect x, y, m = blendv(y, x, m). SSE takes the
// mask in XMM0 and blends into the destination, so d reuses y; AVX has a
// four-operand form.
func lowerVlaneselect(l *lowerer, in *ssa.Inst) {
	op, ok := blendOps[in.Shape()]
	if !ok {
		l.fail("no lowering for %s", l.f.InstString(in))
		return
	}
	if l.avx() {
		vi := l.newInst()
		x := vi.use(l.plainReg(in.Args[0]))
		y := vi.use(l.plainReg(in.Args[1]))
		m := vi.use(l.plainReg(in.Args[2]))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I4(op.avx, 0, R(d), R(y), R(x), R(m)))
		return
	}
	mv := l.plainReg(in.Args[2])
	if in.Args[2] == in.Args[0] || in.Args[2] == in.Args[1] {
		// The mask's register is fixed: give it a copy of its own.
		mv = l.vcopy(mv)
	}
	vi := l.newInst()
	m := vi.useFixed(mv, XMM0)
	x := vi.use(l.plainReg(in.Args[0]))
	y := vi.use(l.plainReg(in.Args[1]))
	d := vi.defReuse(l.vreg(in.Results[0]), y)
	vi.emit(I(op.sse, 0, R(d), R(x), R(m)))
}

// vcopy copies vector register v into a fresh virtual register.
func (l *lowerer) vcopy(v backend.VReg) backend.VReg {
	c := l.temp(backend.ClassFloat)
	vi := l.newInst()
	src := vi.use(v)
	vi.emit(I(MOVAPS, 0, R(vi.def(c)), R(src)))
	return c
}
