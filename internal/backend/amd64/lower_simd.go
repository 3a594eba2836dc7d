package amd64

import (
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Vector (v128) lowering: shared helpers, constants, bitwise operations and
// the lane-mask tests. v128 values live in XMM registers (the float class,
// 16-byte spill slots, which LayoutFrame aligns to 16 because the frame
// keeps RSP 16-byte aligned); loads, stores, moves, select and block
// parameters of v128 are the generic rules'. The other vector rules are in
// lower_simd_*.go, each file registering its opcodes in an init.
//
// Sequences are written in the SSE two-address form; with Features.AVX a
// single-instruction binary operation uses its VEX twin (three operands,
// no copy). A sequence that writes its destination before it has read all
// its operands defines the destination early (it may then share no
// register with them, even when two operands are the same SSA value).

func init() {
	for op, r := range map[ssa.Opcode]lowerRule{
		ssa.OpVconst: lowerVconst,
		ssa.OpVbnot:  lowerVbnot, ssa.OpVband: lowerVbitwise, ssa.OpVbor: lowerVbitwise,
		ssa.OpVbxor: lowerVbitwise, ssa.OpVbandNot: lowerVbitwise, ssa.OpBitselect: lowerBitselect,
		ssa.OpVanyTrue: lowerVanyTrue, ssa.OpVallTrue: lowerVallTrue, ssa.OpVhighBits: lowerVhighBits,
	} {
		lowerRules[op] = r
	}
}

// vexTwins maps an SSE instruction of the "x, xm/128" shape to its
// non-destructive AVX form "x, x, xm/128".
var vexTwins = func() map[Op]Op {
	m := map[Op]Op{PXOR: VPXOR, ANDPS: VANDPS, ANDNPS: VANDNPS, ORPS: VORPS, XORPS: VXORPS,
		ANDPD: VANDPD, ANDNPD: VANDNPD, ORPD: VORPD, XORPD: VXORPD}
	for _, s := range simdSpecs {
		if s.shape == vexNDS && s.args == "x, xm/128" && s.vop != BadOp {
			m[s.op] = s.vop
		}
	}
	return m
}()

// vexOf is op's AVX twin when the code may use AVX.
func (l *lowerer) vexOf(op Op) (Op, bool) {
	if !l.feat.AVX {
		return 0, false
	}
	v, ok := vexTwins[op]
	return v, ok
}

// vconstOf reports v as a vector constant.
func (l *lowerer) vconstOf(v ssa.Value) (ssa.Const128, bool) {
	d := l.defOf(v)
	if d == nil || d.Op != ssa.OpVconst {
		return ssa.Const128{}, false
	}
	return l.f.Const(d.Imm), true
}

// constMem places c in the constant pool.
func (l *lowerer) constMem(c ssa.Const128) Operand {
	lo, hi := c.Halves()
	return M(l.asm.Const128(lo, hi))
}

// splatConst is the constant with every byte b.
func splatBytes(b byte) ssa.Const128 {
	var c ssa.Const128
	for i := range c {
		c[i] = b
	}
	return c
}

// vsource is a second (read-only) operand of vi: a vector constant folded
// into a pool operand, or the value in a register or its spill slot.
func (l *lowerer) vsource(vi *vinst, v ssa.Value) Operand {
	if c, ok := l.vconstOf(v); ok {
		return l.constMem(c)
	}
	return R(vi.useRM(l.reg(v)))
}

// vecBin lowers res = x op y for an SSE instruction "op x, xm/128" (x
// destination and first source): the AVX twin when allowed, else
// destination reusing x. A constant operand comes from the pool; for a
// commutative op a constant x swaps with y.
func (l *lowerer) vecBin(op Op, res, x, y ssa.Value, commutative bool) {
	if commutative {
		if _, ok := l.vconstOf(x); ok {
			x, y = y, x
		}
	}
	vi := l.newInst()
	if v, ok := l.vexOf(op); ok {
		xr := vi.use(l.reg(x))
		ys := l.vsource(vi, y)
		d := vi.def(l.vreg(res))
		vi.emit(I(v, 0, R(d), R(xr), ys))
		return
	}
	xr := vi.use(l.plainReg(x))
	ys := l.vsource(vi, y)
	d := vi.defReuse(l.vreg(res), xr)
	vi.emit(I(op, 0, R(d), ys))
}

// vecUnary lowers res = op x for "op x, xm/128" (x read from a register or
// its slot).
func (l *lowerer) vecUnary(op Op, res, x ssa.Value, imm ...Operand) {
	vi := l.newInst()
	xs := l.vsource(vi, x)
	d := vi.def(l.vreg(res))
	vi.emit(I(op, 0, append([]Operand{R(d), xs}, imm...)...))
}

// vecDst starts a sequence whose result is x modified in place: d reuses x.
func (l *lowerer) vecDst(vi *vinst, res, x ssa.Value) Reg {
	return vi.defReuse(l.vreg(res), vi.use(l.plainReg(x)))
}

// vecTemp is an XMM temporary of a sequence (written before the operands
// are all read, so early).
func (l *lowerer) vecTemp(vi *vinst) Reg { return vi.defEarly(l.temp(backend.ClassFloat)) }

func lowerVconst(l *lowerer, in *ssa.Inst) { l.vconst(in.Results[0], l.f.Const(in.Imm)) }

// vconst defines res as the constant c: pxor for zero, pcmpeqd for all
// ones, else a load from the pool.
func (l *lowerer) vconst(res ssa.Value, c ssa.Const128) {
	vi := l.newInst()
	d := vi.def(l.vreg(res))
	switch c {
	case ssa.Const128{}:
		vi.emit(I(PXOR, 0, R(d), R(d)))
	case splatBytes(0xff):
		vi.emit(I(PCMPEQD, 0, R(d), R(d)))
	default:
		vi.emit(I(MOVAPS, 0, R(d), l.constMem(c)))
	}
}

var vbitwiseOps = map[ssa.Opcode]Op{ssa.OpVband: PAND, ssa.OpVbor: POR, ssa.OpVbxor: PXOR}

func lowerVbitwise(l *lowerer, in *ssa.Inst) {
	x, y := in.Args[0], in.Args[1]
	if in.Op == ssa.OpVbandNot { // x & ^y = pandn y, x
		l.vecBin(PANDN, in.Results[0], y, x, false)
		return
	}
	l.vecBin(vbitwiseOps[in.Op], in.Results[0], x, y, true)
}

func lowerVbnot(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	ones := l.constMem(splatBytes(0xff))
	if v, ok := l.vexOf(PXOR); ok {
		x := vi.use(l.reg(in.Args[0]))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(v, 0, R(d), R(x), ones))
		return
	}
	d := l.vecDst(vi, in.Results[0], in.Args[0])
	vi.emit(I(PXOR, 0, R(d), ones))
}

// lowerBitselect: (x & c) | (y & ^c) = ((x ^ y) & c) ^ y.
func lowerBitselect(l *lowerer, in *ssa.Inst) {
	c, x, y := in.Args[0], in.Args[1], in.Args[2]
	vi := l.newInst()
	xr := vi.use(l.reg(x))
	yr := vi.use(l.reg(y))
	cs := l.vsource(vi, c)
	d := vi.defEarly(l.vreg(in.Results[0]))
	if l.feat.AVX {
		vi.emit(I(VPXOR, 0, R(d), R(xr), R(yr)))
		vi.emit(I(VPAND, 0, R(d), R(d), cs))
		vi.emit(I(VPXOR, 0, R(d), R(d), R(yr)))
		return
	}
	vi.emit(I(MOVAPS, 0, R(d), R(xr)))
	vi.emit(I(PXOR, 0, R(d), R(yr)))
	vi.emit(I(PAND, 0, R(d), cs))
	vi.emit(I(PXOR, 0, R(d), R(yr)))
}

func lowerVanyTrue(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(XOR, S32, R(d), R(d)))
	vi.emit(SetCC(l.vectorTest(vi, in), d))
}

// pcmpeqOps compares lanes for equality, by lane width.
var pcmpeqOps = map[ssa.Shape]Op{ssa.I8x16: PCMPEQB, ssa.I16x8: PCMPEQW, ssa.I32x4: PCMPEQD, ssa.I64x2: PCMPEQQ}

// lowerVallTrue: no lane is zero, i.e. comparing with zero sets no lane.
func lowerVallTrue(l *lowerer, in *ssa.Inst) { lowerVanyTrue(l, in) }

// vectorTest appends to vi the ptest that sets the flags for a vany_true
// or vall_true and returns the condition that means true.
func (l *lowerer) vectorTest(vi *vinst, in *ssa.Inst) Cond {
	if in.Op == ssa.OpVanyTrue {
		x := vi.use(l.reg(in.Args[0]))
		vi.emit(I(PTEST, 0, R(x), R(x)))
		return CondNE
	}
	x := l.vsource(vi, in.Args[0])
	t := l.vecTemp(vi)
	vi.emit(I(PXOR, 0, R(t), R(t)))
	vi.emit(I(pcmpeqOps[in.Shape()], 0, R(t), x))
	vi.emit(I(PTEST, 0, R(t), R(t)))
	return CondE
}

// vectorTestFlags fuses a vany_true or vall_true with no other use into
// the branch, select or trap testing it.
func (l *lowerer) vectorTestFlags(vi *vinst, c ssa.Value) (Cond, bool) {
	d := l.defOf(c)
	if d == nil || (d.Op != ssa.OpVanyTrue && d.Op != ssa.OpVallTrue) || l.useCount(c) != 1 {
		return 0, false
	}
	return l.vectorTest(vi, d), true
}

// lowerVhighBits gathers the lanes' sign bits; i16 lanes are first packed
// to bytes with signed saturation, which keeps the sign.
func lowerVhighBits(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	switch sh := in.Shape(); sh {
	case ssa.I16x8:
		x := l.vsource(vi, in.Args[0])
		t := l.vecTemp(vi)
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(PXOR, 0, R(t), R(t)))
		vi.emit(I(PACKSSWB, 0, R(t), x)) // bytes 8..15 are x's lanes
		vi.emit(I(PMOVMSKB, 0, R(d), R(t)))
		vi.emit(I(SHR, S32, R(d), Imm(8)))
	default:
		op := map[ssa.Shape]Op{ssa.I8x16: PMOVMSKB, ssa.I32x4: MOVMSKPS, ssa.I64x2: MOVMSKPD}[sh]
		x := vi.use(l.reg(in.Args[0]))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(op, 0, R(d), R(x)))
	}
}
