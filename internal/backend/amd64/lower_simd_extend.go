package amd64

import "github.com/moat-run/moat/internal/ssa"

// Lane-size changes: narrowing with saturation, widening, pairwise
// widening adds, widening multiplies, the i16 dot product and the Q15
// rounding multiply. Shapes are the results'.

func init() {
	registerRules(map[ssa.Opcode]lowerRule{
		ssa.OpSnarrow: widenBinary, ssa.OpUnarrow: widenBinary, ssa.OpSdot: widenBinary,
		ssa.OpSwidenLow: lowerWidenLow, ssa.OpUwidenLow: lowerWidenLow,
		ssa.OpSwidenHigh: lowerWiden, ssa.OpUwidenHigh: lowerWiden,
		ssa.OpSextaddPairw: lowerExtaddPairwise, ssa.OpUextaddPairw: lowerExtaddPairwise,
		ssa.OpSextmulLow: lowerExtmul, ssa.OpSextmulHigh: lowerExtmul,
		ssa.OpUextmulLow: lowerExtmul, ssa.OpUextmulHigh: lowerExtmul,
		ssa.OpSqmulRoundSat: lowerSqmulRoundSat,
	})
}

// lowerWidenLow reads a widened 64-bit load (load8x8_s...) straight from
// memory when it can (lowerLoadWiden), and widens a register otherwise.
func lowerWidenLow(l *lowerer, in *ssa.Inst) {
	if !lowerLoadWiden(l, in) {
		lowerWiden(l, in)
	}
}

// widenBinary: the packs saturate exactly as WebAssembly narrows (signed
// input lanes, signed or unsigned saturation), and pmaddwd is i32x4.dot.
var widenBinary = lowerPackedBinary(map[opShape]packedOp{
	{ssa.OpSnarrow, ssa.I8x16}: {PACKSSWB, VPACKSSWB},
	{ssa.OpSnarrow, ssa.I16x8}: {PACKSSDW, VPACKSSDW},
	{ssa.OpUnarrow, ssa.I8x16}: {PACKUSWB, VPACKUSWB},
	{ssa.OpUnarrow, ssa.I16x8}: {PACKUSDW, VPACKUSDW},
	{ssa.OpSdot, ssa.I32x4}:    {PMADDWD, VPMADDWD},
})

// widenOps are pmovsx / pmovzx by result shape, signed first.
var widenOps = map[ssa.Shape][2]packedOp{
	ssa.I16x8: {{PMOVSXBW, VPMOVSXBW}, {PMOVZXBW, VPMOVZXBW}},
	ssa.I32x4: {{PMOVSXWD, VPMOVSXWD}, {PMOVZXWD, VPMOVZXWD}},
	ssa.I64x2: {{PMOVSXDQ, VPMOVSXDQ}, {PMOVZXDQ, VPMOVZXDQ}},
}

// highHalf is the pshufd immediate that copies the high quadword into the
// low one, so pmovsx/pmovzx widen the high half.
const highHalf = 0xEE

func isUnsignedWiden(op ssa.Opcode) bool {
	return op == ssa.OpUwidenLow || op == ssa.OpUwidenHigh || op == ssa.OpUextaddPairw ||
		op == ssa.OpUextmulLow || op == ssa.OpUextmulHigh
}

func isHighHalf(op ssa.Opcode) bool {
	return op == ssa.OpSwidenHigh || op == ssa.OpUwidenHigh || op == ssa.OpSextmulHigh || op == ssa.OpUextmulHigh
}

func lowerWiden(l *lowerer, in *ssa.Inst) {
	ops, ok := widenOps[in.Shape()]
	if !ok {
		l.fail("no lowering for %s", l.f.InstString(in))
		return
	}
	op := ops[b2i(isUnsignedWiden(in.Op))]
	vi := l.newInst()
	if !isHighHalf(in.Op) {
		x := l.packedSrc(vi, in.Args[0])
		d := vi.def(l.vreg(in.Results[0]))
		l.op2(vi, op, d, x)
		return
	}
	x := l.packedSrc(vi, in.Args[0])
	d := vi.def(l.vreg(in.Results[0]))
	l.op2(vi, pPSHUFD, d, x, Imm(highHalf))
	l.op2(vi, op, d, R(d))
}

// lowerExtaddPairwise adds adjacent lane pairs into lanes twice as wide:
// a multiply-add by ones. pmaddubsw multiplies unsigned bytes of its first
// operand by signed bytes of its second: ones first for the signed form,
// x first for the unsigned. pmaddwd is signed only, so the unsigned i16
// form flips the sign bits first (x - 0x8000 per lane) and adds 2 * 0x8000
// to every sum afterwards.
func lowerExtaddPairwise(l *lowerer, in *ssa.Inst) {
	unsigned := isUnsignedWiden(in.Op)
	vi := l.newInst()
	switch in.Shape() {
	case ssa.I16x8:
		op := packedOp{PMADDUBSW, VPMADDUBSW}
		if unsigned {
			x := vi.use(l.plainReg(in.Args[0]))
			d := l.packedDef(vi, in, x)
			l.op3(vi, op, d, x, l.splat8(1))
			return
		}
		x := l.packedSrc(vi, in.Args[0])
		d := vi.defEarly(l.vreg(in.Results[0]))
		l.op2(vi, pMOVAPS, d, l.splat8(1))
		l.op3(vi, op, d, d, x)
	case ssa.I32x4:
		op := packedOp{PMADDWD, VPMADDWD}
		x := vi.use(l.plainReg(in.Args[0]))
		d := l.packedDef(vi, in, x)
		if !unsigned {
			l.op3(vi, op, d, x, l.splat16(1))
			return
		}
		l.op3(vi, pPXOR, d, x, l.splat16(0x8000))
		l.op3(vi, op, d, d, l.splat16(1))
		l.op3(vi, pPADDD, d, d, l.splat32(0x10000))
	default:
		l.fail("no lowering for %s", l.f.InstString(in))
	}
}

// lowerExtmul multiplies the widened low or high halves.
//
// i16x8: both halves widened (pmovsx/pmovzx, after pshufd for the high
// half), then pmullw. i32x4: pmullw and pmulhw (pmulhuw) give the low and
// high 16 bits of the eight products, interleaved by punpcklwd or
// punpckhwd. i64x2: pshufd places the two i32 lanes in lanes 0 and 2,
// where pmuldq (pmuludq) multiplies them into 64 bits.
func lowerExtmul(l *lowerer, in *ssa.Inst) {
	unsigned, high := isUnsignedWiden(in.Op), isHighHalf(in.Op)
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	y := vi.use(l.reg(in.Args[1]))
	switch in.Shape() {
	case ssa.I16x8:
		widen := widenOps[ssa.I16x8][b2i(unsigned)]
		t := l.vtemp(vi)
		d := vi.def(l.vreg(in.Results[0]))
		if high {
			l.op2(vi, pPSHUFD, t, R(x), Imm(highHalf))
			l.op2(vi, widen, t, R(t))
			l.op2(vi, pPSHUFD, d, R(y), Imm(highHalf))
			l.op2(vi, widen, d, R(d))
		} else {
			l.op2(vi, widen, t, R(x))
			l.op2(vi, widen, d, R(y))
		}
		l.op3(vi, packedOp{PMULLW, VPMULLW}, d, d, R(t))
	case ssa.I32x4:
		mulhi := packedOp{PMULHW, VPMULHW}
		if unsigned {
			mulhi = packedOp{PMULHUW, VPMULHUW}
		}
		unpack := packedOp{PUNPCKLWD, VPUNPCKLWD}
		if high {
			unpack = packedOp{PUNPCKHWD, VPUNPCKHWD}
		}
		t := l.vtemp(vi)
		d := vi.defEarly(l.vreg(in.Results[0]))
		l.op3(vi, packedOp{PMULLW, VPMULLW}, d, x, R(y))
		l.op3(vi, mulhi, t, x, R(y))
		l.op3(vi, unpack, d, d, R(t))
	case ssa.I64x2:
		mul := packedOp{PMULDQ, VPMULDQ}
		if unsigned {
			mul = packedOp{PMULUDQ, VPMULUDQ}
		}
		spread := int64(0x50) // lanes 0, 0, 1, 1
		if high {
			spread = 0xFA // lanes 2, 2, 3, 3
		}
		t := l.vtemp(vi)
		d := vi.def(l.vreg(in.Results[0]))
		l.op2(vi, pPSHUFD, t, R(x), Imm(spread))
		l.op2(vi, pPSHUFD, d, R(y), Imm(spread))
		l.op3(vi, mul, d, d, R(t))
	default:
		l.fail("no lowering for %s", l.f.InstString(in))
	}
}

// lowerSqmulRoundSat: pmulhrsw is (x*y + 0x4000) >> 15 on 16 bits, which
// wraps to 0x8000 only for 0x8000 * 0x8000; those lanes become 0x7fff (a
// compare with 0x8000 and an xor with its all-ones result).
func lowerSqmulRoundSat(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	y := l.packedSrc(vi, in.Args[1])
	d := l.packedDef(vi, in, x)
	t := vi.def(l.temp(classOf(ssa.V128)))
	l.op3(vi, packedOp{PMULHRSW, VPMULHRSW}, d, x, y)
	if l.avx() {
		vi.emit(I(VPCMPEQW, 0, R(t), R(d), l.splat16(0x8000)))
	} else {
		vi.emit(I(MOVAPS, 0, R(t), l.splat16(0x8000)))
		vi.emit(I(PCMPEQW, 0, R(t), R(d)))
	}
	l.op3(vi, pPXOR, d, d, R(t))
}
