package amd64

import "github.com/moat-run/moat/internal/ssa"

// Conversions between float and integer lanes, and between f32 and f64
// lanes. The shape is the result's.

func init() {
	registerRules(map[ssa.Opcode]lowerRule{
		ssa.OpVfcvtFromSint: convUnary, ssa.OpVfdemote: convUnary, ssa.OpVfpromote: convUnary,
		ssa.OpVfcvtFromUint:      lowerVfcvtFromUint,
		ssa.OpVfcvtToSintSat:     lowerVfcvtToSintSat,
		ssa.OpVfcvtToUintSat:     lowerVfcvtToUintSat,
		ssa.OpVfcvtToSintSatZero: lowerVfcvtToSintSatZero,
		ssa.OpVfcvtToUintSatZero: lowerVfcvtToUintSatZero,
	})
}

// convUnary: the exact conversions are one instruction each (cvtdq2pd
// and cvtps2pd read the low two lanes; cvtpd2ps zeroes lanes 2 and 3).
var convUnary = lowerPackedUnary(map[opShape]packedUnary{
	{ssa.OpVfcvtFromSint, ssa.F32x4}: {pCVTDQ2PS, -1},
	{ssa.OpVfcvtFromSint, ssa.F64x2}: {packedOp{CVTDQ2PD, VCVTDQ2PD}, -1},
	{ssa.OpVfdemote, ssa.F32x4}:      {packedOp{CVTPD2PS, VCVTPD2PS}, -1},
	{ssa.OpVfpromote, ssa.F64x2}:     {packedOp{CVTPS2PD, VCVTPS2PD}, -1},
})

// Constants of the conversions.
const (
	f64TwoTo52    = 0x4330000000000000 // 2^52: its low word holds a u32 exactly
	f64MaxInt32   = 0x41DFFFFFFFC00000 // 2147483647.0
	f64MaxUint32  = 0x41EFFFFFFFE00000 // 4294967295.0
	f32TwoTo52Hi  = 0x43300000         // the high word of 2^52
	truncateRound = 11                 // roundpd: toward zero, no precision exception
	predEQ        = 0                  // cmpps: ordered and equal (false for NaN lanes)
	predLE        = 2                  // cmpps: ordered and less or equal
)

// lowerVfcvtFromUint converts unsigned lanes.
//
// f32x4 splits each lane into its low 16 bits and the rest; both convert
// exactly as signed (the rest halved first, then doubled), and their sum
// rounds once:
//
//	t = blend(0, x, low words); d = x - t; t = cvt(t)
//	d = cvt(d >> 1) * 2 + t
//
// f64x2 places each u32 lane under the high word of 2^52, which makes the
// double 2^52 + x exactly, and subtracts 2^52.
func lowerVfcvtFromUint(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	switch in.Shape() {
	case ssa.F32x4:
		d := l.packedDef(vi, in, x)
		t := l.vtemp(vi)
		l.op3(vi, pXORPS, t, t, R(t))
		l.op3(vi, pPBLENDW, t, t, R(x), Imm(0x55))
		l.op3(vi, pPSUBD, d, x, R(t))
		l.op2(vi, pCVTDQ2PS, t, R(t))
		l.op3(vi, pPSRLD, d, d, Imm(1))
		l.op2(vi, pCVTDQ2PS, d, R(d))
		l.op3(vi, pADDPS, d, d, R(d))
		l.op3(vi, pADDPS, d, d, R(t))
	case ssa.F64x2:
		d := l.packedDef(vi, in, x)
		l.op3(vi, pUNPCKLPS, d, x, l.splat32(f32TwoTo52Hi))
		l.op3(vi, pSUBPD, d, d, l.splat64(f64TwoTo52))
	default:
		l.fail("no lowering for %s", l.f.InstString(in))
	}
}

// lowerVfcvtToSintSat: cvttps2dq gives 0x80000000 for NaN and for every
// lane out of range. NaN lanes are zeroed first; lanes that were not
// negative but came out negative overflowed upwards and become 0x7fffffff.
//
//	t = (x == x); d = x & t          NaN lanes 0
//	t = t ^ d                        sign bit set: x >= +0 (not NaN)
//	d = cvttps2dq(d)
//	t = (t & d) >>s 31               all ones where positive overflow
//	d = d ^ t
func lowerVfcvtToSintSat(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	d := l.packedDef(vi, in, x)
	t := l.vtemp(vi)
	l.op3(vi, pCMPPS, t, x, R(x), Imm(predEQ))
	l.op3(vi, pANDPS, d, x, R(t))
	l.op3(vi, pPXOR, t, t, R(d))
	l.op2(vi, pCVTTPS2DQ, d, R(d))
	l.op3(vi, pPAND, t, t, R(d))
	l.op3(vi, pPSRAD, t, t, Imm(31))
	l.op3(vi, pPXOR, d, d, R(t))
}

// lowerVfcvtToUintSat clamps NaN and negative lanes to 0 (maxps returns
// its second operand, +0, for those), then converts twice: x directly,
// which is right below 2^31 and 0x80000000 (2^31) above it, and x - 2^31,
// which is the remainder to add above 2^31 (negative, so clamped to 0,
// below it; 0x7fffffff where x >= 2^32, saturating the sum to 0xffffffff).
//
//	d = max(x, 0); t = float(2^31); r = d - t
//	t = (t <= r)                     x >= 2^32
//	r = max(cvttps2dq(r) ^ t, 0)
//	d = cvttps2dq(d) + r
func lowerVfcvtToUintSat(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	d := l.packedDef(vi, in, x)
	t, r := l.vtemp(vi), l.vtemp(vi)
	l.op3(vi, pXORPS, t, t, R(t))
	l.op3(vi, pMAXPS, d, x, R(t))
	l.op2(vi, pMOVAPS, t, l.splat32(0x4F000000)) // 2^31 as f32
	l.op3(vi, pSUBPS, r, d, R(t))
	l.op3(vi, pCMPPS, t, t, R(r), Imm(predLE))
	l.op2(vi, pCVTTPS2DQ, r, R(r))
	l.op3(vi, pPXOR, r, r, R(t))
	l.op3(vi, pXORPS, t, t, R(t))
	l.op3(vi, pPMAXSD, r, r, R(t))
	l.op2(vi, pCVTTPS2DQ, d, R(d))
	l.op3(vi, pPADDD, d, d, R(r))
}

// lowerVfcvtToSintSatZero: NaN lanes are clamped to +0 and the rest to at
// most 2147483647.0 (minpd returns its second operand for NaN); below
// range cvttpd2dq's 0x80000000 is the saturated value. Lanes 2 and 3 of
// cvttpd2dq are zero.
//
//	t = (x == x) & 2147483647.0; d = min(x, t); d = cvttpd2dq(d)
func lowerVfcvtToSintSatZero(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	d := l.packedDef(vi, in, x)
	t := l.vtemp(vi)
	l.op3(vi, pCMPPD, t, x, R(x), Imm(predEQ))
	l.op3(vi, packedOp{ANDPD, VANDPD}, t, t, l.splat64(f64MaxInt32))
	l.op3(vi, pMINPD, d, x, R(t))
	l.op2(vi, pCVTTPD2DQ, d, R(d))
}

// lowerVfcvtToUintSatZero clamps to [0, 4294967295.0] (NaN to +0, as
// maxpd returns its second operand), truncates, adds 2^52 so that the low
// words of the doubles are the integers, and gathers those low words into
// lanes 0 and 1 over zeros.
func lowerVfcvtToUintSatZero(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.use(l.plainReg(in.Args[0]))
	d := l.packedDef(vi, in, x)
	t := l.vtemp(vi)
	l.op3(vi, pXORPS, t, t, R(t))
	l.op3(vi, pMAXPD, d, x, R(t))
	l.op3(vi, pMINPD, d, d, l.splat64(f64MaxUint32))
	l.op2(vi, pROUNDPD, d, R(d), Imm(truncateRound))
	l.op3(vi, pADDPD, d, d, l.splat64(f64TwoTo52))
	l.op3(vi, pSHUFPS, d, d, R(t), Imm(0x88))
}
