package amd64

import "strings"

// simdRows are the SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 instructions that
// lowering WebAssembly's 128-bit SIMD uses, each with its AVX (VEX.128)
// form: one line of simdSpecs gives both rows, so the two cannot drift.
var simdRows = simdRowsFrom(simdSpecs)

// vexShape says how an AVX form's operands relate to the legacy form's.
type vexShape uint8

const (
	vexNone vexShape = iota // no AVX form (or one with another opcode; see encode_table_avx.go)
	vexSame                 // same operands; VEX.vvvv unused
	vexNDS                  // a source operand after the destination, in VEX.vvvv (non-destructive)
)

// simdSpec is a legacy SSE row and, unless vop is BadOp, its AVX twin. The
// AVX encoding is derived from the legacy one: the implied prefix, the
// 0F / 0F 38 / 0F 3A escape as the map, REX.W as VEX.W1.
type simdSpec struct {
	op, vop Op
	enc     string // legacy encoding, Intel manual notation
	args    string // legacy operands
	shape   vexShape
	vexTail string // extra tokens of the AVX row ("swap=29")
}

func simdRowsFrom(specs []simdSpec) []row {
	var rows []row
	for _, s := range specs {
		rows = append(rows, row{s.op, sAny, s.enc, s.args})
	}
	for _, s := range specs {
		if s.vop != BadOp && s.shape != vexNone {
			rows = append(rows, vexRowOf(s))
		}
	}
	return rows
}

// vexRowOf derives the VEX.128 row of a spec.
func vexRowOf(s simdSpec) row {
	toks := strings.Fields(s.enc)
	w, pp, m := "WIG", "", ""
	if toks[0] == "REX.W" {
		w, toks = "W1", toks[1:]
	}
	if t := toks[0]; t == "66" || t == "F2" || t == "F3" {
		pp, toks = "."+t, toks[1:]
	}
	// toks[0] is the 0F escape; a 38 or 3A after it selects the map.
	m, toks = "0F", toks[1:]
	if toks[0] == "38" || toks[0] == "3A" {
		m, toks = m+toks[0], toks[1:]
	}
	enc := "VEX.128" + pp + "." + m + "." + w + " " + strings.Join(toks, " ")
	if s.vexTail != "" {
		enc += " " + s.vexTail
	}
	args := s.args
	if s.shape == vexNDS {
		first, rest, _ := strings.Cut(args, ",")
		args = first + ", x," + rest
	}
	return row{s.vop, sAny, enc, args}
}

// simd3 is a spec for the common shape: x, x/m128, non-destructive in AVX.
func simd3(op, vop Op, enc string) simdSpec {
	return simdSpec{op, vop, enc + " /r", "x, xm/128", vexNDS, ""}
}

// simdUnary is "x, x/m" (width w) with the same operands in AVX.
func simdUnary(op, vop Op, enc, w string) simdSpec {
	return simdSpec{op, vop, enc + " /r", "x, xm/" + w, vexSame, ""}
}

var simdSpecs = []simdSpec{
	// Full-width and half moves. Loads come first, so register-register
	// moves use the load opcode as GNU as does.
	{MOVAPD, VMOVAPD, "66 0F 28 /r", "x, xm/128", vexSame, "swap=29"},
	{MOVAPD, VMOVAPD, "66 0F 29 /r", "m/128, x", vexSame, ""},
	{MOVUPD, VMOVUPD, "66 0F 10 /r", "x, xm/128", vexSame, "swap=11"},
	{MOVUPD, VMOVUPD, "66 0F 11 /r", "m/128, x", vexSame, ""},
	simdUnary(MOVDDUP, VMOVDDUP, "F2 0F 12", "64"),
	simdUnary(MOVSLDUP, VMOVSLDUP, "F3 0F 12", "128"),
	simdUnary(MOVSHDUP, VMOVSHDUP, "F3 0F 16", "128"),
	{MOVLHPS, VMOVLHPS, "0F 16 /r", "x, x", vexNDS, ""},
	{MOVHLPS, VMOVHLPS, "0F 12 /r", "x, x", vexNDS, ""},
	{MOVLPS, VMOVLPS, "0F 12 /r", "x, m/64", vexNDS, ""},
	{MOVLPS, VMOVLPS, "0F 13 /r", "m/64, x", vexSame, ""},
	{MOVHPS, VMOVHPS, "0F 16 /r", "x, m/64", vexNDS, ""},
	{MOVHPS, VMOVHPS, "0F 17 /r", "m/64, x", vexSame, ""},
	{MOVLPD, VMOVLPD, "66 0F 12 /r", "x, m/64", vexNDS, ""},
	{MOVLPD, VMOVLPD, "66 0F 13 /r", "m/64, x", vexSame, ""},
	{MOVHPD, VMOVHPD, "66 0F 16 /r", "x, m/64", vexNDS, ""},
	{MOVHPD, VMOVHPD, "66 0F 17 /r", "m/64, x", vexSame, ""},

	// Sign masks into a general-purpose register.
	{PMOVMSKB, VPMOVMSKB, "66 0F D7 /r", "r/32, x", vexSame, ""},
	{MOVMSKPS, VMOVMSKPS, "0F 50 /r", "r/32, x", vexSame, ""},
	{MOVMSKPD, VMOVMSKPD, "66 0F 50 /r", "r/32, x", vexSame, ""},

	// Lane insert and extract (imm8 = lane). A byte or word lane comes from
	// or goes to a 32-bit register or a byte/word in memory: the memory row
	// is listed first so "rm/32" is only ever a register.
	{PINSRB, VPINSRB, "66 0F 3A 20 /r ib", "x, m/8, u8", vexNDS, ""},
	{PINSRB, VPINSRB, "66 0F 3A 20 /r ib", "x, rm/32, u8", vexNDS, ""},
	{PINSRW, VPINSRW, "66 0F C4 /r ib", "x, m/16, u8", vexNDS, ""},
	{PINSRW, VPINSRW, "66 0F C4 /r ib", "x, rm/32, u8", vexNDS, ""},
	{PINSRD, VPINSRD, "66 0F 3A 22 /r ib", "x, rm/32, u8", vexNDS, ""},
	{PINSRQ, VPINSRQ, "REX.W 66 0F 3A 22 /r ib", "x, rm/64, u8", vexNDS, ""},
	{PEXTRB, VPEXTRB, "66 0F 3A 14 /r ib", "m/8, x, u8", vexSame, ""},
	{PEXTRB, VPEXTRB, "66 0F 3A 14 /r ib", "rm/32, x, u8", vexSame, ""},
	{PEXTRW, VPEXTRW, "66 0F C5 /r ib", "r/32, x, u8", vexSame, ""},
	{PEXTRW, VPEXTRW, "66 0F 3A 15 /r ib", "m/16, x, u8", vexSame, ""},
	{PEXTRD, VPEXTRD, "66 0F 3A 16 /r ib", "rm/32, x, u8", vexSame, ""},
	{PEXTRQ, VPEXTRQ, "REX.W 66 0F 3A 16 /r ib", "rm/64, x, u8", vexSame, ""},
	{INSERTPS, VINSERTPS, "66 0F 3A 21 /r ib", "x, xm/32, u8", vexNDS, ""},
	{EXTRACTPS, VEXTRACTPS, "66 0F 3A 17 /r ib", "rm/32, x, u8", vexSame, ""},

	// Shuffles, unpacks and packs.
	simd3(PSHUFB, VPSHUFB, "66 0F 38 00"),
	{PSHUFD, VPSHUFD, "66 0F 70 /r ib", "x, xm/128, u8", vexSame, ""},
	{PSHUFLW, VPSHUFLW, "F2 0F 70 /r ib", "x, xm/128, u8", vexSame, ""},
	{PSHUFHW, VPSHUFHW, "F3 0F 70 /r ib", "x, xm/128, u8", vexSame, ""},
	{SHUFPS, VSHUFPS, "0F C6 /r ib", "x, xm/128, u8", vexNDS, ""},
	{SHUFPD, VSHUFPD, "66 0F C6 /r ib", "x, xm/128, u8", vexNDS, ""},
	{PALIGNR, VPALIGNR, "66 0F 3A 0F /r ib", "x, xm/128, u8", vexNDS, ""},
	simd3(PUNPCKLBW, VPUNPCKLBW, "66 0F 60"),
	simd3(PUNPCKLWD, VPUNPCKLWD, "66 0F 61"),
	simd3(PUNPCKLDQ, VPUNPCKLDQ, "66 0F 62"),
	simd3(PUNPCKLQDQ, VPUNPCKLQDQ, "66 0F 6C"),
	simd3(PUNPCKHBW, VPUNPCKHBW, "66 0F 68"),
	simd3(PUNPCKHWD, VPUNPCKHWD, "66 0F 69"),
	simd3(PUNPCKHDQ, VPUNPCKHDQ, "66 0F 6A"),
	simd3(PUNPCKHQDQ, VPUNPCKHQDQ, "66 0F 6D"),
	simd3(UNPCKLPS, VUNPCKLPS, "0F 14"),
	simd3(UNPCKHPS, VUNPCKHPS, "0F 15"),
	simd3(UNPCKLPD, VUNPCKLPD, "66 0F 14"),
	simd3(UNPCKHPD, VUNPCKHPD, "66 0F 15"),
	simd3(PACKSSWB, VPACKSSWB, "66 0F 63"),
	simd3(PACKSSDW, VPACKSSDW, "66 0F 6B"),
	simd3(PACKUSWB, VPACKUSWB, "66 0F 67"),
	simd3(PACKUSDW, VPACKUSDW, "66 0F 38 2B"),

	// Widening: the source is the low half (or quarter, eighth) of a register.
	simdUnary(PMOVSXBW, VPMOVSXBW, "66 0F 38 20", "64"),
	simdUnary(PMOVSXBD, VPMOVSXBD, "66 0F 38 21", "32"),
	simdUnary(PMOVSXBQ, VPMOVSXBQ, "66 0F 38 22", "16"),
	simdUnary(PMOVSXWD, VPMOVSXWD, "66 0F 38 23", "64"),
	simdUnary(PMOVSXWQ, VPMOVSXWQ, "66 0F 38 24", "32"),
	simdUnary(PMOVSXDQ, VPMOVSXDQ, "66 0F 38 25", "64"),
	simdUnary(PMOVZXBW, VPMOVZXBW, "66 0F 38 30", "64"),
	simdUnary(PMOVZXBD, VPMOVZXBD, "66 0F 38 31", "32"),
	simdUnary(PMOVZXBQ, VPMOVZXBQ, "66 0F 38 32", "16"),
	simdUnary(PMOVZXWD, VPMOVZXWD, "66 0F 38 33", "64"),
	simdUnary(PMOVZXWQ, VPMOVZXWQ, "66 0F 38 34", "32"),
	simdUnary(PMOVZXDQ, VPMOVZXDQ, "66 0F 38 35", "64"),

	// Integer arithmetic: wrapping, saturating, multiplying, averaging.
	simd3(PADDB, VPADDB, "66 0F FC"),
	simd3(PADDW, VPADDW, "66 0F FD"),
	simd3(PADDD, VPADDD, "66 0F FE"),
	simd3(PADDQ, VPADDQ, "66 0F D4"),
	simd3(PSUBB, VPSUBB, "66 0F F8"),
	simd3(PSUBW, VPSUBW, "66 0F F9"),
	simd3(PSUBD, VPSUBD, "66 0F FA"),
	simd3(PSUBQ, VPSUBQ, "66 0F FB"),
	simd3(PADDSB, VPADDSB, "66 0F EC"),
	simd3(PADDSW, VPADDSW, "66 0F ED"),
	simd3(PADDUSB, VPADDUSB, "66 0F DC"),
	simd3(PADDUSW, VPADDUSW, "66 0F DD"),
	simd3(PSUBSB, VPSUBSB, "66 0F E8"),
	simd3(PSUBSW, VPSUBSW, "66 0F E9"),
	simd3(PSUBUSB, VPSUBUSB, "66 0F D8"),
	simd3(PSUBUSW, VPSUBUSW, "66 0F D9"),
	simd3(PMULLW, VPMULLW, "66 0F D5"),
	simd3(PMULLD, VPMULLD, "66 0F 38 40"),
	simd3(PMULHW, VPMULHW, "66 0F E5"),
	simd3(PMULHUW, VPMULHUW, "66 0F E4"),
	simd3(PMULUDQ, VPMULUDQ, "66 0F F4"),
	simd3(PMULDQ, VPMULDQ, "66 0F 38 28"),
	simd3(PMULHRSW, VPMULHRSW, "66 0F 38 0B"),
	simd3(PMADDWD, VPMADDWD, "66 0F F5"),
	simd3(PMADDUBSW, VPMADDUBSW, "66 0F 38 04"),
	simd3(PAVGB, VPAVGB, "66 0F E0"),
	simd3(PAVGW, VPAVGW, "66 0F E3"),
	simd3(PMINSB, VPMINSB, "66 0F 38 38"),
	simd3(PMINSW, VPMINSW, "66 0F EA"),
	simd3(PMINSD, VPMINSD, "66 0F 38 39"),
	simd3(PMINUB, VPMINUB, "66 0F DA"),
	simd3(PMINUW, VPMINUW, "66 0F 38 3A"),
	simd3(PMINUD, VPMINUD, "66 0F 38 3B"),
	simd3(PMAXSB, VPMAXSB, "66 0F 38 3C"),
	simd3(PMAXSW, VPMAXSW, "66 0F EE"),
	simd3(PMAXSD, VPMAXSD, "66 0F 38 3D"),
	simd3(PMAXUB, VPMAXUB, "66 0F DE"),
	simd3(PMAXUW, VPMAXUW, "66 0F 38 3E"),
	simd3(PMAXUD, VPMAXUD, "66 0F 38 3F"),
	simdUnary(PABSB, VPABSB, "66 0F 38 1C", "128"),
	simdUnary(PABSW, VPABSW, "66 0F 38 1D", "128"),
	simdUnary(PABSD, VPABSD, "66 0F 38 1E", "128"),
	simd3(PSIGNB, VPSIGNB, "66 0F 38 08"),
	simd3(PSIGNW, VPSIGNW, "66 0F 38 09"),
	simd3(PSIGND, VPSIGND, "66 0F 38 0A"),

	// Comparisons into lane masks, and ptest into flags.
	simd3(PCMPEQB, VPCMPEQB, "66 0F 74"),
	simd3(PCMPEQW, VPCMPEQW, "66 0F 75"),
	simd3(PCMPEQD, VPCMPEQD, "66 0F 76"),
	simd3(PCMPEQQ, VPCMPEQQ, "66 0F 38 29"),
	simd3(PCMPGTB, VPCMPGTB, "66 0F 64"),
	simd3(PCMPGTW, VPCMPGTW, "66 0F 65"),
	simd3(PCMPGTD, VPCMPGTD, "66 0F 66"),
	simd3(PCMPGTQ, VPCMPGTQ, "66 0F 38 37"),
	simdUnary(PTEST, VPTEST, "66 0F 38 17", "128"),

	// Bitwise logic (pxor and the ps/pd forms are in encode_table_sse.go).
	simd3(PAND, VPAND, "66 0F DB"),
	simd3(PANDN, VPANDN, "66 0F DF"),
	simd3(POR, VPOR, "66 0F EB"),

	// Shifts: by the low quadword of an XMM register or memory, or by imm8
	// (the AVX imm8 form writes VEX.vvvv and reads r/m).
	simd3(PSLLW, VPSLLW, "66 0F F1"),
	simd3(PSLLD, VPSLLD, "66 0F F2"),
	simd3(PSLLQ, VPSLLQ, "66 0F F3"),
	simd3(PSRLW, VPSRLW, "66 0F D1"),
	simd3(PSRLD, VPSRLD, "66 0F D2"),
	simd3(PSRLQ, VPSRLQ, "66 0F D3"),
	simd3(PSRAW, VPSRAW, "66 0F E1"),
	simd3(PSRAD, VPSRAD, "66 0F E2"),
	{PSLLW, VPSLLW, "66 0F 71 /6 ib", "x, u8", vexNDS, ""},
	{PSLLD, VPSLLD, "66 0F 72 /6 ib", "x, u8", vexNDS, ""},
	{PSLLQ, VPSLLQ, "66 0F 73 /6 ib", "x, u8", vexNDS, ""},
	{PSRLW, VPSRLW, "66 0F 71 /2 ib", "x, u8", vexNDS, ""},
	{PSRLD, VPSRLD, "66 0F 72 /2 ib", "x, u8", vexNDS, ""},
	{PSRLQ, VPSRLQ, "66 0F 73 /2 ib", "x, u8", vexNDS, ""},
	{PSRAW, VPSRAW, "66 0F 71 /4 ib", "x, u8", vexNDS, ""},
	{PSRAD, VPSRAD, "66 0F 72 /4 ib", "x, u8", vexNDS, ""},
	{PSRLDQ, VPSRLDQ, "66 0F 73 /3 ib", "x, u8", vexNDS, ""},
	{PSLLDQ, VPSLLDQ, "66 0F 73 /7 ib", "x, u8", vexNDS, ""},

	// Blends. The variable ones take their mask in XMM0; their AVX forms
	// have another opcode and a fourth operand (encode_table_avx.go).
	{PBLENDVB, BadOp, "66 0F 38 10 /r", "x, xm/128, xmm0", vexNone, ""},
	{BLENDVPS, BadOp, "66 0F 38 14 /r", "x, xm/128, xmm0", vexNone, ""},
	{BLENDVPD, BadOp, "66 0F 38 15 /r", "x, xm/128, xmm0", vexNone, ""},
	{PBLENDW, VPBLENDW, "66 0F 3A 0E /r ib", "x, xm/128, u8", vexNDS, ""},
	{BLENDPS, VBLENDPS, "66 0F 3A 0C /r ib", "x, xm/128, u8", vexNDS, ""},
	{BLENDPD, VBLENDPD, "66 0F 3A 0D /r ib", "x, xm/128, u8", vexNDS, ""},

	// Packed floating point.
	simd3(ADDPS, VADDPS, "0F 58"),
	simd3(ADDPD, VADDPD, "66 0F 58"),
	simd3(SUBPS, VSUBPS, "0F 5C"),
	simd3(SUBPD, VSUBPD, "66 0F 5C"),
	simd3(MULPS, VMULPS, "0F 59"),
	simd3(MULPD, VMULPD, "66 0F 59"),
	simd3(DIVPS, VDIVPS, "0F 5E"),
	simd3(DIVPD, VDIVPD, "66 0F 5E"),
	simd3(MINPS, VMINPS, "0F 5D"),
	simd3(MINPD, VMINPD, "66 0F 5D"),
	simd3(MAXPS, VMAXPS, "0F 5F"),
	simd3(MAXPD, VMAXPD, "66 0F 5F"),
	simdUnary(SQRTPS, VSQRTPS, "0F 51", "128"),
	simdUnary(SQRTPD, VSQRTPD, "66 0F 51", "128"),
	{CMPPS, VCMPPS, "0F C2 /r ib", "x, xm/128, u8", vexNDS, ""},
	{CMPPD, VCMPPD, "66 0F C2 /r ib", "x, xm/128, u8", vexNDS, ""},
	{ROUNDPS, VROUNDPS, "66 0F 3A 08 /r ib", "x, xm/128, u8", vexSame, ""},
	{ROUNDPD, VROUNDPD, "66 0F 3A 09 /r ib", "x, xm/128, u8", vexSame, ""},

	// Conversions between lanes.
	simdUnary(CVTDQ2PS, VCVTDQ2PS, "0F 5B", "128"),
	simdUnary(CVTTPS2DQ, VCVTTPS2DQ, "F3 0F 5B", "128"),
	simdUnary(CVTPS2DQ, VCVTPS2DQ, "66 0F 5B", "128"),
	simdUnary(CVTPS2PD, VCVTPS2PD, "0F 5A", "64"),
	simdUnary(CVTPD2PS, VCVTPD2PS, "66 0F 5A", "128"),
	simdUnary(CVTDQ2PD, VCVTDQ2PD, "F3 0F E6", "64"),
	simdUnary(CVTTPD2DQ, VCVTTPD2DQ, "66 0F E6", "128"),
	simdUnary(CVTPD2DQ, VCVTPD2DQ, "F2 0F E6", "128"),
}
