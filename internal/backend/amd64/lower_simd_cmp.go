package amd64

import "github.com/moat-run/moat/internal/ssa"

// Lane comparisons into all-ones / all-zeros lanes.

func init() {
	registerRules(map[ssa.Opcode]lowerRule{ssa.OpVicmp: lowerVicmp, ssa.OpVfcmp: lowerVfcmp})
}

// intCmpLaneOps are the per-shape instructions of the integer comparisons
// (i8x16, i16x8, i32x4, i64x2; i64x2 has no unsigned conditions).
type intCmpLaneOps struct{ eq, gt, minu, maxu packedOp }

var intCmpOps = map[ssa.Shape]intCmpLaneOps{
	ssa.I8x16: {packedOp{PCMPEQB, VPCMPEQB}, packedOp{PCMPGTB, VPCMPGTB}, packedOp{PMINUB, VPMINUB}, packedOp{PMAXUB, VPMAXUB}},
	ssa.I16x8: {pPCMPEQW, packedOp{PCMPGTW, VPCMPGTW}, packedOp{PMINUW, VPMINUW}, packedOp{PMAXUW, VPMAXUW}},
	ssa.I32x4: {pPCMPEQD, packedOp{PCMPGTD, VPCMPGTD}, packedOp{PMINUD, VPMINUD}, packedOp{PMAXUD, VPMAXUD}},
	ssa.I64x2: {packedOp{PCMPEQQ, VPCMPEQQ}, packedOp{PCMPGTQ, VPCMPGTQ}, noPackedOp, noPackedOp},
}

// noPackedOp marks a form that does not exist.
var noPackedOp = packedOp{BadOp, BadOp}

// intCmpKind is how a condition is computed from x and y.
type intCmpKind uint8

const (
	cmpEq   intCmpKind = iota // pcmpeq x, y
	cmpGt                     // pcmpgt x, y
	cmpMinu                   // pcmpeq (pminu x, y), y: x >= y unsigned
	cmpMaxu                   // pcmpeq (pmaxu x, y), y: x <= y unsigned
)

// intCmp is the recipe of a condition: the computation, whether it takes
// its operands swapped, and whether the result is then inverted (pxor with
// all ones).
type intCmp struct {
	kind         intCmpKind
	swap, invert bool
}

var intCmps = [...]intCmp{
	ssa.IntEQ:  {cmpEq, false, false},
	ssa.IntNE:  {cmpEq, false, true},
	ssa.IntSGT: {cmpGt, false, false},
	ssa.IntSLT: {cmpGt, true, false},
	ssa.IntSGE: {cmpGt, true, true},  // !(y > x)
	ssa.IntSLE: {cmpGt, false, true}, // !(x > y)
	ssa.IntUGE: {cmpMinu, false, false},
	ssa.IntULE: {cmpMaxu, false, false},
	ssa.IntULT: {cmpMinu, false, true}, // !(x >= y)
	ssa.IntUGT: {cmpMaxu, false, true}, // !(x <= y)
}

func lowerVicmp(l *lowerer, in *ssa.Inst) {
	ops, ok := intCmpOps[in.Shape()]
	if !ok || int(in.IntCC) >= len(intCmps) {
		l.fail("no lowering for %s", l.f.InstString(in))
		return
	}
	c := intCmps[in.IntCC]
	a, b := in.Args[0], in.Args[1]
	if c.swap {
		a, b = b, a
	}
	vi := l.newInst()
	var d Reg
	switch c.kind {
	case cmpEq, cmpGt:
		op := ops.eq
		if c.kind == cmpGt {
			op = ops.gt
		}
		x := vi.use(l.plainReg(a))
		y := l.packedSrc(vi, b)
		d = l.packedDef(vi, in, x)
		l.op3(vi, op, d, x, y)
	default:
		// y is read again after d is written, so d shares no register
		// with y: on SSE it reuses x (unless x is y), with AVX it is
		// an early def.
		op := ops.minu
		if c.kind == cmpMaxu {
			op = ops.maxu
		}
		if op == noPackedOp {
			l.fail("no lowering for %s", l.f.InstString(in))
			return
		}
		x := vi.use(l.plainReg(a))
		y := vi.use(l.reg(b))
		if l.avx() || a == b {
			d = vi.defEarly(l.vreg(in.Results[0]))
		} else {
			d = vi.defReuse(l.vreg(in.Results[0]), x)
		}
		l.op3(vi, op, d, x, R(y))
		l.op3(vi, ops.eq, d, d, R(y))
	}
	if c.invert {
		l.op3(vi, pPXOR, d, d, l.splat64(^uint64(0)))
	}
}

// floatPredicates are the cmpps/cmppd immediates of the conditions, and
// whether the operands are swapped for the SSE forms (which have no
// greater-than predicates; the VEX forms do: GT_OS 14, GE_OS 13). ne is
// NEQ_UQ, true for unordered lanes, as WebAssembly's ne.
var floatPredicates = [...]struct {
	sse, avx int64
	swap     bool
}{
	ssa.FloatEQ: {0, 0, false},
	ssa.FloatNE: {4, 4, false},
	ssa.FloatLT: {1, 1, false},
	ssa.FloatLE: {2, 2, false},
	ssa.FloatGT: {1, 14, true},
	ssa.FloatGE: {2, 13, true},
}

func lowerVfcmp(l *lowerer, in *ssa.Inst) {
	if int(in.FloatCC) >= len(floatPredicates) || !in.Shape().IsFloat() {
		l.fail("no lowering for %s", l.f.InstString(in))
		return
	}
	p := floatPredicates[in.FloatCC]
	op := [2]packedOp{pCMPPS, pCMPPD}[shapeIndex(in.Shape())]
	a, b, imm := in.Args[0], in.Args[1], p.avx
	if !l.avx() {
		imm = p.sse
		if p.swap {
			a, b = b, a
		}
	}
	vi := l.newInst()
	x := vi.use(l.plainReg(a))
	y := l.packedSrc(vi, b)
	d := l.packedDef(vi, in, x)
	l.op3(vi, op, d, x, y, Imm(imm))
}
