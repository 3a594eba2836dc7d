package amd64

import (
	"github.com/moat-run/moat/internal/ssa"
)

// Integer lane arithmetic: one SSE instruction per (opcode, shape) where
// x86 has it (intLaneOps), short sequences for the rest: negation, i64
// abs and multiply, i8 popcount, and the shifts (counts modulo the lane
// width; i8 lanes shifted as i16 and masked; i64 arithmetic shift by the
// sign-flip identity).

func init() {
	for op := range intLaneOps {
		lowerRules[op] = lowerIntLanes
	}
	for op, r := range map[ssa.Opcode]lowerRule{
		ssa.OpVineg: lowerVineg, ssa.OpViabs: lowerViabs, ssa.OpVpopcnt: lowerVpopcnt,
		ssa.OpVishl: lowerVshift, ssa.OpVushr: lowerVshift, ssa.OpVsshr: lowerVshift,
	} {
		lowerRules[op] = r
	}
}

// laneOps are an operation's instructions by shape: i8x16, i16x8, i32x4, i64x2.
type laneOps [4]Op

func (o laneOps) of(sh ssa.Shape) Op { return o[sh-ssa.I8x16] }

// intLaneOps are the binary operations with one instruction per shape
// (BadOp where a sequence is needed); commutative ones may take a constant
// first operand from the pool.
var intLaneOps = map[ssa.Opcode]laneOps{
	ssa.OpViadd:     {PADDB, PADDW, PADDD, PADDQ},
	ssa.OpVisub:     {PSUBB, PSUBW, PSUBD, PSUBQ},
	ssa.OpVimul:     {BadOp, PMULLW, PMULLD, BadOp},
	ssa.OpVsmin:     {PMINSB, PMINSW, PMINSD, BadOp},
	ssa.OpVumin:     {PMINUB, PMINUW, PMINUD, BadOp},
	ssa.OpVsmax:     {PMAXSB, PMAXSW, PMAXSD, BadOp},
	ssa.OpVumax:     {PMAXUB, PMAXUW, PMAXUD, BadOp},
	ssa.OpVavgRound: {PAVGB, PAVGW, BadOp, BadOp},
	ssa.OpVsaddSat:  {PADDSB, PADDSW, BadOp, BadOp},
	ssa.OpVuaddSat:  {PADDUSB, PADDUSW, BadOp, BadOp},
	ssa.OpVssubSat:  {PSUBSB, PSUBSW, BadOp, BadOp},
	ssa.OpVusubSat:  {PSUBUSB, PSUBUSW, BadOp, BadOp},
}

func lowerIntLanes(l *lowerer, in *ssa.Inst) {
	sh := in.Shape()
	if in.Op == ssa.OpVimul && sh == ssa.I64x2 {
		lowerVimul64(l, in)
		return
	}
	op := intLaneOps[in.Op].of(sh)
	if op == BadOp {
		l.fail("no lowering for %s", l.f.InstString(in))
		return
	}
	commutative := in.Op != ssa.OpVisub && in.Op != ssa.OpVssubSat && in.Op != ssa.OpVusubSat
	l.vecBin(op, in.Results[0], in.Args[0], in.Args[1], commutative)
}

// lowerVimul64: x*y mod 2^64 per lane from 32x32->64 products:
// lo(x)lo(y) + (hi(x)lo(y) + lo(x)hi(y)) << 32.
func lowerVimul64(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	y := vi.use(l.reg(in.Args[1]))
	t1, t2 := l.vecTemp(vi), l.vecTemp(vi)
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(MOVAPS, 0, R(t1), R(x)))
	vi.emit(I(PSRLQ, 0, R(t1), Imm(32)))
	vi.emit(I(PMULUDQ, 0, R(t1), R(y)))
	vi.emit(I(MOVAPS, 0, R(t2), R(y)))
	vi.emit(I(PSRLQ, 0, R(t2), Imm(32)))
	vi.emit(I(PMULUDQ, 0, R(t2), R(x)))
	vi.emit(I(PADDQ, 0, R(t1), R(t2)))
	vi.emit(I(PSLLQ, 0, R(t1), Imm(32)))
	vi.emit(I(MOVAPS, 0, R(d), R(x)))
	vi.emit(I(PMULUDQ, 0, R(d), R(y)))
	vi.emit(I(PADDQ, 0, R(d), R(t1)))
}

// lowerVineg: 0 - x.
func lowerVineg(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := l.vsource(vi, in.Args[0])
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(PXOR, 0, R(d), R(d)))
	vi.emit(I(intLaneOps[ssa.OpVisub].of(in.Shape()), 0, R(d), x))
}

// lowerViabs: pabsb/w/d; i64 lanes as (x ^ s) - s with s the lane's sign
// spread over it (the high dwords shifted arithmetically).
func lowerViabs(l *lowerer, in *ssa.Inst) {
	sh := in.Shape()
	if sh != ssa.I64x2 {
		l.vecUnary([4]Op{PABSB, PABSW, PABSD}[sh-ssa.I8x16], in.Results[0], in.Args[0])
		return
	}
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	s := l.vecTemp(vi)
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(PSHUFD, 0, R(s), R(x), Imm(0xf5)))
	vi.emit(I(PSRAD, 0, R(s), Imm(31)))
	vi.emit(I(MOVAPS, 0, R(d), R(x)))
	vi.emit(I(PXOR, 0, R(d), R(s)))
	vi.emit(I(PSUBQ, 0, R(d), R(s)))
}

// lowerVpopcnt: the bit counts of each byte's two nibbles looked up with
// pshufb in a 16-entry table, added.
func lowerVpopcnt(l *lowerer, in *ssa.Inst) {
	table := ssa.Const128{0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4}
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	lo, hi := l.vecTemp(vi), l.vecTemp(vi)
	d := vi.defEarly(l.vreg(in.Results[0]))
	nibble := l.constMem(splatBytes(0x0f))
	vi.emit(I(MOVAPS, 0, R(lo), R(x)))
	vi.emit(I(PAND, 0, R(lo), nibble))
	vi.emit(I(MOVAPS, 0, R(hi), R(x)))
	vi.emit(I(PSRLW, 0, R(hi), Imm(4)))
	vi.emit(I(PAND, 0, R(hi), nibble))
	vi.emit(I(MOVAPS, 0, R(d), l.constMem(table)))
	vi.emit(I(PSHUFB, 0, R(d), R(lo)))
	vi.emit(I(MOVAPS, 0, R(lo), l.constMem(table)))
	vi.emit(I(PSHUFB, 0, R(lo), R(hi)))
	vi.emit(I(PADDB, 0, R(d), R(lo)))
}

// shiftOps are the shifts by shape (i8 lanes use the i16 form), for
// vishl, vushr and vsshr (i64 arithmetic: BadOp, a sequence).
var vshiftOps = map[ssa.Opcode]laneOps{
	ssa.OpVishl: {PSLLW, PSLLW, PSLLD, PSLLQ},
	ssa.OpVushr: {PSRLW, PSRLW, PSRLD, PSRLQ},
	ssa.OpVsshr: {PSRAW, PSRAW, PSRAD, BadOp},
}

// lowerVshift: the count (mod the lane width) is an immediate when
// constant, else moved into an XMM register (the count operand of the
// shift instructions).
func lowerVshift(l *lowerer, in *ssa.Inst) {
	sh := in.Shape()
	bits := int64(sh.LaneBits())
	c, isConst := l.f.IntConst(in.Args[1])
	vi := l.newInst()
	plain := sh != ssa.I8x16 && !(sh == ssa.I64x2 && in.Op == ssa.OpVsshr)
	var x Reg
	if plain {
		x = vi.use(l.plainReg(in.Args[0]))
	} else {
		x = vi.use(l.reg(in.Args[0]))
	}
	var count Operand
	if isConst {
		count = Imm(int64(c) & (bits - 1))
	} else {
		n := vi.use(l.reg(in.Args[1]))
		t := l.vecTemp(vi)
		vi.emit(I(MOV, S32, R(R11), R(n)))
		vi.emit(I(AND, S32, R(R11), Imm(bits-1)))
		if sh == ssa.I8x16 && in.Op == ssa.OpVsshr {
			vi.emit(I(ADD, S32, R(R11), Imm(8)))
		}
		vi.emit(I(MOVD, 0, R(t), R(R11)))
		count = R(t)
	}
	if plain {
		op := vshiftOps[in.Op].of(sh)
		if v, ok := l.vexOf(op); ok {
			d := vi.def(l.vreg(in.Results[0]))
			vi.emit(I(v, 0, R(d), R(x), count))
			return
		}
		d := vi.defReuse(l.vreg(in.Results[0]), x)
		vi.emit(I(op, 0, R(d), count))
		return
	}
	d := vi.defEarly(l.vreg(in.Results[0]))
	switch {
	case sh == ssa.I8x16 && in.Op == ssa.OpVsshr:
		// Each byte into the high half of a word, shifted by 8 more,
		// packed back with signed saturation (exact: the values fit).
		if isConst {
			count = Imm(int64(c)&7 + 8)
		}
		vi.emit(I(MOVAPS, 0, R(d), R(x)))
		vi.emit(I(PUNPCKLBW, 0, R(d), R(d)))
		vi.emit(I(PSRAW, 0, R(d), count))
		scratch := XMM15 // the class's scratch register: free inside a sequence
		vi.emit(I(MOVAPS, 0, R(scratch), R(x)))
		vi.emit(I(PUNPCKHBW, 0, R(scratch), R(scratch)))
		vi.emit(I(PSRAW, 0, R(scratch), count))
		vi.emit(I(PACKSSWB, 0, R(d), R(scratch)))
	case sh == ssa.I8x16:
		// Shift as words, then clear the bits that crossed from the
		// neighbouring byte: the mask is 0xff shifted the same way.
		op := vshiftOps[in.Op].of(sh)
		vi.emit(I(MOVAPS, 0, R(d), R(x)))
		vi.emit(I(op, 0, R(d), count))
		if isConst {
			k := int64(c) & 7
			m := byte(0xff << k)
			if in.Op == ssa.OpVushr {
				m = byte(0xff >> k)
			}
			vi.emit(I(PAND, 0, R(d), l.constMem(splatBytes(m))))
			return
		}
		// Variable: all-ones shifted as words, then one byte of it
		// (byte 0 for shl, byte 1 for shr) spread by pshufb.
		pick := byte(0)
		if in.Op == ssa.OpVushr {
			pick = 1
		}
		vi.emit(I(PCMPEQD, 0, R(XMM15), R(XMM15)))
		vi.emit(I(op, 0, R(XMM15), count))
		vi.emit(I(PSHUFB, 0, R(XMM15), l.constMem(splatBytes(pick))))
		vi.emit(I(PAND, 0, R(d), R(XMM15)))
	case sh == ssa.I64x2 && in.Op == ssa.OpVsshr:
		// (x >>> n ^ m) - m with m = 1<<63 >>> n: the sign bit, moved
		// to where it lands, is extended by the subtraction.
		vi.emit(I(MOVAPS, 0, R(d), R(x)))
		vi.emit(I(PSRLQ, 0, R(d), count))
		vi.emit(I(MOVAPS, 0, R(XMM15), l.constMem(ssa.Const128Of(1<<63, 1<<63))))
		vi.emit(I(PSRLQ, 0, R(XMM15), count))
		vi.emit(I(PXOR, 0, R(d), R(XMM15)))
		vi.emit(I(PSUBQ, 0, R(d), R(XMM15)))
	}
}
