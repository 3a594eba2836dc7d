package amd64

import (
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Helpers of the packed (SIMD) lowering rules of lower_simd_float.go,
// lower_simd_cmp.go, lower_simd_widen.go and lower_simd_conv.go.
//
// A sequence is written once, in the three-operand form of AVX ("d = a op
// b"), and rendered either as the VEX instruction or, on the SSE baseline,
// as the two-address instruction after a copy of a into d (left out when d
// already is a, as it is for a def that reuses its input). Where a rule
// writes its result before it has read every input, the result is an early
// def, so that it shares no input's register.

// packedOp is one packed instruction: its SSE and its AVX (VEX.128) form.
type packedOp struct{ sse, avx Op }

// The packed instructions the rules use, by name without the "v".
var (
	pADDPS     = packedOp{ADDPS, VADDPS}
	pADDPD     = packedOp{ADDPD, VADDPD}
	pSUBPS     = packedOp{SUBPS, VSUBPS}
	pSUBPD     = packedOp{SUBPD, VSUBPD}
	pANDPS     = packedOp{ANDPS, VANDPS}
	pANDNPS    = packedOp{ANDNPS, VANDNPS}
	pORPS      = packedOp{ORPS, VORPS}
	pXORPS     = packedOp{XORPS, VXORPS}
	pPAND      = packedOp{PAND, VPAND}
	pPXOR      = packedOp{PXOR, VPXOR}
	pCMPPS     = packedOp{CMPPS, VCMPPS}
	pCMPPD     = packedOp{CMPPD, VCMPPD}
	pMINPS     = packedOp{MINPS, VMINPS}
	pMINPD     = packedOp{MINPD, VMINPD}
	pMAXPS     = packedOp{MAXPS, VMAXPS}
	pMAXPD     = packedOp{MAXPD, VMAXPD}
	pPSHUFD    = packedOp{PSHUFD, VPSHUFD}
	pPSRAD     = packedOp{PSRAD, VPSRAD}
	pPSRLD     = packedOp{PSRLD, VPSRLD}
	pPADDD     = packedOp{PADDD, VPADDD}
	pPSUBD     = packedOp{PSUBD, VPSUBD}
	pPMAXSD    = packedOp{PMAXSD, VPMAXSD}
	pPBLENDW   = packedOp{PBLENDW, VPBLENDW}
	pPCMPEQW   = packedOp{PCMPEQW, VPCMPEQW}
	pPCMPEQD   = packedOp{PCMPEQD, VPCMPEQD}
	pCVTDQ2PS  = packedOp{CVTDQ2PS, VCVTDQ2PS}
	pCVTTPS2DQ = packedOp{CVTTPS2DQ, VCVTTPS2DQ}
	pCVTTPD2DQ = packedOp{CVTTPD2DQ, VCVTTPD2DQ}
	pROUNDPD   = packedOp{ROUNDPD, VROUNDPD}
	pSHUFPS    = packedOp{SHUFPS, VSHUFPS}
	pUNPCKLPS  = packedOp{UNPCKLPS, VUNPCKLPS}
	pMOVAPS    = packedOp{MOVAPS, VMOVAPS}
)

// avx reports whether rules may use the VEX forms.
func (l *lowerer) avx() bool { return l.feat.AVX }

// op3 emits d = a op b [, imm]: "vop d, a, b" with AVX; otherwise "op d, b"
// after copying a into d unless it is there already. The copy needs d to
// be another register than b: an early def, or a reuse of a.
func (l *lowerer) op3(vi *vinst, op packedOp, d, a Reg, b Operand, imm ...Operand) {
	if l.avx() {
		vi.emit(I4(op.avx, 0, append([]Operand{R(d), R(a), b}, imm...)...))
		return
	}
	if d != a {
		vi.emit(I(MOVAPS, 0, R(d), R(a)))
	}
	vi.emit(I(op.sse, 0, append([]Operand{R(d), b}, imm...)...))
}

// op2 emits the instruction whose operands are the same in both forms:
// d, source [, imm] (sqrtps, cvtdq2ps, pshufd, roundps, pmovsx...).
func (l *lowerer) op2(vi *vinst, op packedOp, d Reg, src Operand, imm ...Operand) {
	o := op.sse
	if l.avx() {
		o = op.avx
	}
	vi.emit(I(o, 0, append([]Operand{R(d), src}, imm...)...))
}

// packedDef defines the result of a rule whose first instruction is
// op3(d, x, ...) and which reads no input after it: on SSE it reuses x's
// register (the two-address form), with AVX it is any register.
func (l *lowerer) packedDef(vi *vinst, in *ssa.Inst, x Reg) Reg {
	if l.avx() {
		return vi.def(l.vreg(in.Results[0]))
	}
	return vi.defReuse(l.vreg(in.Results[0]), x)
}

// packedSrc is a vector operand read by memory-capable forms: a vconst
// from the constant pool, or the value in a register or its (16-byte
// aligned) spill slot (vsource, lower_simd.go).
func (l *lowerer) packedSrc(vi *vinst, v ssa.Value) Operand { return l.vsource(vi, v) }

// vtemp is an early-def vector temporary of vi.
func (l *lowerer) vtemp(vi *vinst) Reg { return vi.defEarly(l.temp(backend.ClassFloat)) }

// Splatted constants (16-byte aligned in the pool, so SSE forms read them
// directly).
func (l *lowerer) splat8(b uint8) Operand { return l.splat16(uint16(b) * 0x0101) }
func (l *lowerer) splat16(h uint16) Operand {
	return l.splat32(uint32(h) * 0x00010001)
}
func (l *lowerer) splat32(w uint32) Operand { return l.splat64(uint64(w) * 0x0000000100000001) }
func (l *lowerer) splat64(q uint64) Operand { return M(l.asm.Const128(q, q)) }

// lowerPackedBinary is the rule of the operations that are one packed
// instruction d = x op y: a table gives the instruction by opcode and shape.
func lowerPackedBinary(table map[opShape]packedOp) lowerRule {
	return func(l *lowerer, in *ssa.Inst) {
		op, ok := table[opShape{in.Op, in.Shape()}]
		if !ok {
			l.fail("no lowering for %s", l.f.InstString(in))
			return
		}
		vi := l.newInst()
		x := vi.use(l.plainReg(in.Args[0]))
		y := l.packedSrc(vi, in.Args[1])
		d := l.packedDef(vi, in, x)
		l.op3(vi, op, d, x, y)
	}
}

// lowerPackedUnary is the rule of the operations that are one packed
// instruction d = op x (with an immediate if imm >= 0).
func lowerPackedUnary(table map[opShape]packedUnary) lowerRule {
	return func(l *lowerer, in *ssa.Inst) {
		u, ok := table[opShape{in.Op, in.Shape()}]
		if !ok {
			l.fail("no lowering for %s", l.f.InstString(in))
			return
		}
		vi := l.newInst()
		x := l.packedSrc(vi, in.Args[0])
		d := vi.def(l.vreg(in.Results[0]))
		if u.imm >= 0 {
			l.op2(vi, u.op, d, x, Imm(u.imm))
		} else {
			l.op2(vi, u.op, d, x)
		}
	}
}

// opShape keys the lowering tables.
type opShape struct {
	op    ssa.Opcode
	shape ssa.Shape
}

// packedUnary is a one-operand packed instruction and its immediate (-1:
// none).
type packedUnary struct {
	op  packedOp
	imm int64
}

// registerRules fills lowerRules from a rule table (from the init
// functions of the packed rule files).
func registerRules(rules map[ssa.Opcode]lowerRule) {
	for op, r := range rules {
		lowerRules[op] = r
	}
}
