package amd64

// Op is an instruction mnemonic. Ops whose name depends on a condition
// (JCC, SETCC, CMOVCC) take it from Inst.Cond; the extending moves carry the
// source width in the Op (MOVZX8 / MOVZX16 / MOVSX8 / MOVSX16, MOVSXD).
type Op uint16

// The instructions.
const (
	BadOp Op = iota

	// Integer moves and address arithmetic.
	MOV // mov; a 64-bit immediate that does not fit 32 signed bits becomes movabs
	MOVZX8
	MOVZX16
	MOVSX8
	MOVSX16
	MOVSXD
	LEA
	CMOVCC
	SETCC

	// Two-operand integer arithmetic and logic.
	ADD
	OR
	ADC
	SBB
	AND
	SUB
	XOR
	CMP
	TEST

	// One-operand arithmetic, multiply and divide.
	NOT
	NEG
	MUL
	DIV
	IDIV
	IMUL // imul r, r/m and imul r, r/m, imm
	CDQ  // sign-extend eax into edx (before 32-bit idiv)
	CQO  // sign-extend rax into rdx (before 64-bit idiv)

	// Shifts and rotates: by cl, by 1 or by imm8.
	ROL
	ROR
	SHL
	SHR
	SAR

	// Bit counting.
	BSF
	BSR
	LZCNT
	TZCNT
	POPCNT

	// Control flow and stack.
	JMP // to a label, or indirect through a register or memory
	JCC
	CALL // to a function (relocation), or indirect
	RET
	PUSH
	POP
	NOP
	UD2
	INT3

	// String operations (bulk memory): rep movsb copies RCX bytes from
	// [RSI] to [RDI], rep stosb stores AL into RCX bytes at [RDI], both
	// forwards (the direction flag is always clear).
	REPMOVSB
	REPSTOSB

	// SSE/SSE2/SSE4.1 scalar floating point and moves.
	MOVSS
	MOVSD
	MOVD
	MOVQ
	ADDSS
	ADDSD
	SUBSS
	SUBSD
	MULSS
	MULSD
	DIVSS
	DIVSD
	SQRTSS
	SQRTSD
	MINSS
	MINSD
	MAXSS
	MAXSD
	UCOMISS
	UCOMISD
	CVTSI2SS
	CVTSI2SD
	CVTTSS2SI
	CVTTSD2SI
	CVTSS2SD
	CVTSD2SS
	ROUNDSS
	ROUNDSD
	CMPSS // compare with a predicate immediate (0 eq, 1 lt, 2 le, 3 unord, 4 neq, ...) into a mask
	CMPSD
	ANDPS
	ANDNPS
	ORPS
	XORPS
	ANDPD
	ANDNPD
	ORPD
	XORPD
	MOVAPS
	MOVUPS
	MOVDQA
	MOVDQU
	PXOR

	// SSE2..SSE4.2 packed instructions for WebAssembly SIMD (encode_table_simd.go).
	MOVAPD
	MOVUPD
	MOVDDUP
	MOVSLDUP
	MOVSHDUP
	MOVLHPS
	MOVHLPS
	MOVLPS
	MOVHPS
	MOVLPD
	MOVHPD
	PMOVMSKB
	MOVMSKPS
	MOVMSKPD
	PINSRB
	PINSRW
	PINSRD
	PINSRQ
	PEXTRB
	PEXTRW
	PEXTRD
	PEXTRQ
	INSERTPS
	EXTRACTPS
	PSHUFB
	PSHUFD
	PSHUFLW
	PSHUFHW
	SHUFPS
	SHUFPD
	PALIGNR
	PUNPCKLBW
	PUNPCKLWD
	PUNPCKLDQ
	PUNPCKLQDQ
	PUNPCKHBW
	PUNPCKHWD
	PUNPCKHDQ
	PUNPCKHQDQ
	UNPCKLPS
	UNPCKHPS
	UNPCKLPD
	UNPCKHPD
	PACKSSWB
	PACKSSDW
	PACKUSWB
	PACKUSDW
	PMOVSXBW
	PMOVSXBD
	PMOVSXBQ
	PMOVSXWD
	PMOVSXWQ
	PMOVSXDQ
	PMOVZXBW
	PMOVZXBD
	PMOVZXBQ
	PMOVZXWD
	PMOVZXWQ
	PMOVZXDQ
	PADDB
	PADDW
	PADDD
	PADDQ
	PSUBB
	PSUBW
	PSUBD
	PSUBQ
	PADDSB
	PADDSW
	PADDUSB
	PADDUSW
	PSUBSB
	PSUBSW
	PSUBUSB
	PSUBUSW
	PMULLW
	PMULLD
	PMULHW
	PMULHUW
	PMULUDQ
	PMULDQ
	PMULHRSW
	PMADDWD
	PMADDUBSW
	PAVGB
	PAVGW
	PMINSB
	PMINSW
	PMINSD
	PMINUB
	PMINUW
	PMINUD
	PMAXSB
	PMAXSW
	PMAXSD
	PMAXUB
	PMAXUW
	PMAXUD
	PABSB
	PABSW
	PABSD
	PSIGNB
	PSIGNW
	PSIGND
	PCMPEQB
	PCMPEQW
	PCMPEQD
	PCMPEQQ
	PCMPGTB
	PCMPGTW
	PCMPGTD
	PCMPGTQ
	PTEST
	PAND
	PANDN
	POR
	PSLLW
	PSLLD
	PSLLQ
	PSRLW
	PSRLD
	PSRLQ
	PSRAW
	PSRAD
	PSRLDQ
	PSLLDQ
	PBLENDVB
	BLENDVPS
	BLENDVPD
	PBLENDW
	BLENDPS
	BLENDPD
	ADDPS
	ADDPD
	SUBPS
	SUBPD
	MULPS
	MULPD
	DIVPS
	DIVPD
	MINPS
	MINPD
	MAXPS
	MAXPD
	SQRTPS
	SQRTPD
	CMPPS
	CMPPD
	ROUNDPS
	ROUNDPD
	CVTDQ2PS
	CVTTPS2DQ
	CVTPS2DQ
	CVTPS2PD
	CVTPD2PS
	CVTDQ2PD
	CVTTPD2DQ
	CVTPD2DQ

	// AVX and AVX2 (VEX.128) forms: three-operand non-destructive versions of
	// the above, and a few AVX-only instructions (encode_table_avx.go).
	VMOVAPD
	VMOVUPD
	VMOVDDUP
	VMOVSLDUP
	VMOVSHDUP
	VMOVLHPS
	VMOVHLPS
	VMOVLPS
	VMOVHPS
	VMOVLPD
	VMOVHPD
	VPMOVMSKB
	VMOVMSKPS
	VMOVMSKPD
	VPINSRB
	VPINSRW
	VPINSRD
	VPINSRQ
	VPEXTRB
	VPEXTRW
	VPEXTRD
	VPEXTRQ
	VINSERTPS
	VEXTRACTPS
	VPSHUFB
	VPSHUFD
	VPSHUFLW
	VPSHUFHW
	VSHUFPS
	VSHUFPD
	VPALIGNR
	VPUNPCKLBW
	VPUNPCKLWD
	VPUNPCKLDQ
	VPUNPCKLQDQ
	VPUNPCKHBW
	VPUNPCKHWD
	VPUNPCKHDQ
	VPUNPCKHQDQ
	VUNPCKLPS
	VUNPCKHPS
	VUNPCKLPD
	VUNPCKHPD
	VPACKSSWB
	VPACKSSDW
	VPACKUSWB
	VPACKUSDW
	VPMOVSXBW
	VPMOVSXBD
	VPMOVSXBQ
	VPMOVSXWD
	VPMOVSXWQ
	VPMOVSXDQ
	VPMOVZXBW
	VPMOVZXBD
	VPMOVZXBQ
	VPMOVZXWD
	VPMOVZXWQ
	VPMOVZXDQ
	VPADDB
	VPADDW
	VPADDD
	VPADDQ
	VPSUBB
	VPSUBW
	VPSUBD
	VPSUBQ
	VPADDSB
	VPADDSW
	VPADDUSB
	VPADDUSW
	VPSUBSB
	VPSUBSW
	VPSUBUSB
	VPSUBUSW
	VPMULLW
	VPMULLD
	VPMULHW
	VPMULHUW
	VPMULUDQ
	VPMULDQ
	VPMULHRSW
	VPMADDWD
	VPMADDUBSW
	VPAVGB
	VPAVGW
	VPMINSB
	VPMINSW
	VPMINSD
	VPMINUB
	VPMINUW
	VPMINUD
	VPMAXSB
	VPMAXSW
	VPMAXSD
	VPMAXUB
	VPMAXUW
	VPMAXUD
	VPABSB
	VPABSW
	VPABSD
	VPSIGNB
	VPSIGNW
	VPSIGND
	VPCMPEQB
	VPCMPEQW
	VPCMPEQD
	VPCMPEQQ
	VPCMPGTB
	VPCMPGTW
	VPCMPGTD
	VPCMPGTQ
	VPTEST
	VPAND
	VPANDN
	VPOR
	VPSLLW
	VPSLLD
	VPSLLQ
	VPSRLW
	VPSRLD
	VPSRLQ
	VPSRAW
	VPSRAD
	VPSRLDQ
	VPSLLDQ
	VPBLENDW
	VBLENDPS
	VBLENDPD
	VADDPS
	VADDPD
	VSUBPS
	VSUBPD
	VMULPS
	VMULPD
	VDIVPS
	VDIVPD
	VMINPS
	VMINPD
	VMAXPS
	VMAXPD
	VSQRTPS
	VSQRTPD
	VCMPPS
	VCMPPD
	VROUNDPS
	VROUNDPD
	VCVTDQ2PS
	VCVTTPS2DQ
	VCVTPS2DQ
	VCVTPS2PD
	VCVTPD2PS
	VCVTDQ2PD
	VCVTTPD2DQ
	VCVTPD2DQ
	VMOVAPS
	VMOVUPS
	VMOVDQA
	VMOVDQU
	VMOVD
	VMOVQ
	VMOVSS
	VMOVSD
	VANDPS
	VANDNPS
	VORPS
	VXORPS
	VANDPD
	VANDNPD
	VORPD
	VXORPD
	VPXOR
	VPBLENDVB
	VBLENDVPS
	VBLENDVPD
	VPBROADCASTB
	VPBROADCASTW
	VPBROADCASTD
	VPBROADCASTQ
	VBROADCASTSS
	VPSLLVD
	VPSLLVQ
	VPSRLVD
	VPSRLVQ
	VPSRAVD
	VPERMILPS
	VPERMILPD
	VPBLENDD
	// AVX 256-bit: memory.copy's 32-byte moves (vmovdqu ymm), and
	// vzeroupper, which clears the upper halves after them so that later
	// SSE code pays no transition penalty.
	VMOVDQU256
	VZEROUPPER
	VADDSS
	VADDSD
	VMULSS
	VMULSD
	VSUBSS
	VSUBSD
	VMINSS
	VMINSD
	VDIVSS
	VDIVSD
	VMAXSS
	VMAXSD
	VSQRTSS
	VSQRTSD
	VCVTSS2SD
	VCVTSD2SS
	VROUNDSS
	VROUNDSD
	VCMPSS
	VCMPSD
	VUCOMISS
	VUCOMISD
	VCVTSI2SS
	VCVTSI2SD
	VCVTTSS2SI
	VCVTTSD2SI

	numOps
)

var opNames = [numOps]string{
	BadOp: "(badop)",
	MOV:   "mov", MOVZX8: "movzx", MOVZX16: "movzx", MOVSX8: "movsx", MOVSX16: "movsx", MOVSXD: "movsxd",
	LEA: "lea", CMOVCC: "cmov", SETCC: "set",
	ADD: "add", OR: "or", ADC: "adc", SBB: "sbb", AND: "and", SUB: "sub", XOR: "xor", CMP: "cmp", TEST: "test",
	NOT: "not", NEG: "neg", MUL: "mul", DIV: "div", IDIV: "idiv", IMUL: "imul", CDQ: "cdq", CQO: "cqo",
	ROL: "rol", ROR: "ror", SHL: "shl", SHR: "shr", SAR: "sar",
	BSF: "bsf", BSR: "bsr", LZCNT: "lzcnt", TZCNT: "tzcnt", POPCNT: "popcnt",
	JMP: "jmp", JCC: "j", CALL: "call", RET: "ret", PUSH: "push", POP: "pop", NOP: "nop", UD2: "ud2", INT3: "int3",
	REPMOVSB: "rep movsb", REPSTOSB: "rep stosb",
	MOVSS: "movss", MOVSD: "movsd", MOVD: "movd", MOVQ: "movq",
	ADDSS: "addss", ADDSD: "addsd", SUBSS: "subss", SUBSD: "subsd", MULSS: "mulss", MULSD: "mulsd",
	DIVSS: "divss", DIVSD: "divsd", SQRTSS: "sqrtss", SQRTSD: "sqrtsd",
	MINSS: "minss", MINSD: "minsd", MAXSS: "maxss", MAXSD: "maxsd",
	UCOMISS: "ucomiss", UCOMISD: "ucomisd",
	CVTSI2SS: "cvtsi2ss", CVTSI2SD: "cvtsi2sd", CVTTSS2SI: "cvttss2si", CVTTSD2SI: "cvttsd2si",
	CVTSS2SD: "cvtss2sd", CVTSD2SS: "cvtsd2ss", ROUNDSS: "roundss", ROUNDSD: "roundsd", CMPSS: "cmpss", CMPSD: "cmpsd",
	ANDPS: "andps", ANDNPS: "andnps", ORPS: "orps", XORPS: "xorps",
	ANDPD: "andpd", ANDNPD: "andnpd", ORPD: "orpd", XORPD: "xorpd",
	MOVAPS: "movaps", MOVUPS: "movups", MOVDQA: "movdqa", MOVDQU: "movdqu", PXOR: "pxor",
	MOVAPD: "movapd", MOVUPD: "movupd", MOVDDUP: "movddup", MOVSLDUP: "movsldup", MOVSHDUP: "movshdup",
	MOVLHPS: "movlhps", MOVHLPS: "movhlps", MOVLPS: "movlps", MOVHPS: "movhps", MOVLPD: "movlpd",
	MOVHPD: "movhpd", PMOVMSKB: "pmovmskb", MOVMSKPS: "movmskps", MOVMSKPD: "movmskpd", PINSRB: "pinsrb",
	PINSRW: "pinsrw", PINSRD: "pinsrd", PINSRQ: "pinsrq", PEXTRB: "pextrb", PEXTRW: "pextrw", PEXTRD: "pextrd",
	PEXTRQ: "pextrq", INSERTPS: "insertps", EXTRACTPS: "extractps", PSHUFB: "pshufb", PSHUFD: "pshufd",
	PSHUFLW: "pshuflw", PSHUFHW: "pshufhw", SHUFPS: "shufps", SHUFPD: "shufpd", PALIGNR: "palignr",
	PUNPCKLBW: "punpcklbw", PUNPCKLWD: "punpcklwd", PUNPCKLDQ: "punpckldq", PUNPCKLQDQ: "punpcklqdq",
	PUNPCKHBW: "punpckhbw", PUNPCKHWD: "punpckhwd", PUNPCKHDQ: "punpckhdq", PUNPCKHQDQ: "punpckhqdq",
	UNPCKLPS: "unpcklps", UNPCKHPS: "unpckhps", UNPCKLPD: "unpcklpd", UNPCKHPD: "unpckhpd",
	PACKSSWB: "packsswb", PACKSSDW: "packssdw", PACKUSWB: "packuswb", PACKUSDW: "packusdw",
	PMOVSXBW: "pmovsxbw", PMOVSXBD: "pmovsxbd", PMOVSXBQ: "pmovsxbq", PMOVSXWD: "pmovsxwd",
	PMOVSXWQ: "pmovsxwq", PMOVSXDQ: "pmovsxdq", PMOVZXBW: "pmovzxbw", PMOVZXBD: "pmovzxbd",
	PMOVZXBQ: "pmovzxbq", PMOVZXWD: "pmovzxwd", PMOVZXWQ: "pmovzxwq", PMOVZXDQ: "pmovzxdq", PADDB: "paddb",
	PADDW: "paddw", PADDD: "paddd", PADDQ: "paddq", PSUBB: "psubb", PSUBW: "psubw", PSUBD: "psubd",
	PSUBQ: "psubq", PADDSB: "paddsb", PADDSW: "paddsw", PADDUSB: "paddusb", PADDUSW: "paddusw",
	PSUBSB: "psubsb", PSUBSW: "psubsw", PSUBUSB: "psubusb", PSUBUSW: "psubusw", PMULLW: "pmullw",
	PMULLD: "pmulld", PMULHW: "pmulhw", PMULHUW: "pmulhuw", PMULUDQ: "pmuludq", PMULDQ: "pmuldq",
	PMULHRSW: "pmulhrsw", PMADDWD: "pmaddwd", PMADDUBSW: "pmaddubsw", PAVGB: "pavgb", PAVGW: "pavgw",
	PMINSB: "pminsb", PMINSW: "pminsw", PMINSD: "pminsd", PMINUB: "pminub", PMINUW: "pminuw", PMINUD: "pminud",
	PMAXSB: "pmaxsb", PMAXSW: "pmaxsw", PMAXSD: "pmaxsd", PMAXUB: "pmaxub", PMAXUW: "pmaxuw", PMAXUD: "pmaxud",
	PABSB: "pabsb", PABSW: "pabsw", PABSD: "pabsd", PSIGNB: "psignb", PSIGNW: "psignw", PSIGND: "psignd",
	PCMPEQB: "pcmpeqb", PCMPEQW: "pcmpeqw", PCMPEQD: "pcmpeqd", PCMPEQQ: "pcmpeqq", PCMPGTB: "pcmpgtb",
	PCMPGTW: "pcmpgtw", PCMPGTD: "pcmpgtd", PCMPGTQ: "pcmpgtq", PTEST: "ptest", PAND: "pand", PANDN: "pandn",
	POR: "por", PSLLW: "psllw", PSLLD: "pslld", PSLLQ: "psllq", PSRLW: "psrlw", PSRLD: "psrld", PSRLQ: "psrlq",
	PSRAW: "psraw", PSRAD: "psrad", PSRLDQ: "psrldq", PSLLDQ: "pslldq", PBLENDVB: "pblendvb",
	BLENDVPS: "blendvps", BLENDVPD: "blendvpd", PBLENDW: "pblendw", BLENDPS: "blendps", BLENDPD: "blendpd",
	ADDPS: "addps", ADDPD: "addpd", SUBPS: "subps", SUBPD: "subpd", MULPS: "mulps", MULPD: "mulpd",
	DIVPS: "divps", DIVPD: "divpd", MINPS: "minps", MINPD: "minpd", MAXPS: "maxps", MAXPD: "maxpd",
	SQRTPS: "sqrtps", SQRTPD: "sqrtpd", CMPPS: "cmpps", CMPPD: "cmppd", ROUNDPS: "roundps", ROUNDPD: "roundpd",
	CVTDQ2PS: "cvtdq2ps", CVTTPS2DQ: "cvttps2dq", CVTPS2DQ: "cvtps2dq", CVTPS2PD: "cvtps2pd",
	CVTPD2PS: "cvtpd2ps", CVTDQ2PD: "cvtdq2pd", CVTTPD2DQ: "cvttpd2dq", CVTPD2DQ: "cvtpd2dq",
	VMOVAPD: "vmovapd", VMOVUPD: "vmovupd", VMOVDDUP: "vmovddup", VMOVSLDUP: "vmovsldup",
	VMOVSHDUP: "vmovshdup", VMOVLHPS: "vmovlhps", VMOVHLPS: "vmovhlps", VMOVLPS: "vmovlps", VMOVHPS: "vmovhps",
	VMOVLPD: "vmovlpd", VMOVHPD: "vmovhpd", VPMOVMSKB: "vpmovmskb", VMOVMSKPS: "vmovmskps",
	VMOVMSKPD: "vmovmskpd", VPINSRB: "vpinsrb", VPINSRW: "vpinsrw", VPINSRD: "vpinsrd", VPINSRQ: "vpinsrq",
	VPEXTRB: "vpextrb", VPEXTRW: "vpextrw", VPEXTRD: "vpextrd", VPEXTRQ: "vpextrq", VINSERTPS: "vinsertps",
	VEXTRACTPS: "vextractps", VPSHUFB: "vpshufb", VPSHUFD: "vpshufd", VPSHUFLW: "vpshuflw",
	VPSHUFHW: "vpshufhw", VSHUFPS: "vshufps", VSHUFPD: "vshufpd", VPALIGNR: "vpalignr",
	VPUNPCKLBW: "vpunpcklbw", VPUNPCKLWD: "vpunpcklwd", VPUNPCKLDQ: "vpunpckldq", VPUNPCKLQDQ: "vpunpcklqdq",
	VPUNPCKHBW: "vpunpckhbw", VPUNPCKHWD: "vpunpckhwd", VPUNPCKHDQ: "vpunpckhdq", VPUNPCKHQDQ: "vpunpckhqdq",
	VUNPCKLPS: "vunpcklps", VUNPCKHPS: "vunpckhps", VUNPCKLPD: "vunpcklpd", VUNPCKHPD: "vunpckhpd",
	VPACKSSWB: "vpacksswb", VPACKSSDW: "vpackssdw", VPACKUSWB: "vpackuswb", VPACKUSDW: "vpackusdw",
	VPMOVSXBW: "vpmovsxbw", VPMOVSXBD: "vpmovsxbd", VPMOVSXBQ: "vpmovsxbq", VPMOVSXWD: "vpmovsxwd",
	VPMOVSXWQ: "vpmovsxwq", VPMOVSXDQ: "vpmovsxdq", VPMOVZXBW: "vpmovzxbw", VPMOVZXBD: "vpmovzxbd",
	VPMOVZXBQ: "vpmovzxbq", VPMOVZXWD: "vpmovzxwd", VPMOVZXWQ: "vpmovzxwq", VPMOVZXDQ: "vpmovzxdq",
	VPADDB: "vpaddb", VPADDW: "vpaddw", VPADDD: "vpaddd", VPADDQ: "vpaddq", VPSUBB: "vpsubb", VPSUBW: "vpsubw",
	VPSUBD: "vpsubd", VPSUBQ: "vpsubq", VPADDSB: "vpaddsb", VPADDSW: "vpaddsw", VPADDUSB: "vpaddusb",
	VPADDUSW: "vpaddusw", VPSUBSB: "vpsubsb", VPSUBSW: "vpsubsw", VPSUBUSB: "vpsubusb", VPSUBUSW: "vpsubusw",
	VPMULLW: "vpmullw", VPMULLD: "vpmulld", VPMULHW: "vpmulhw", VPMULHUW: "vpmulhuw", VPMULUDQ: "vpmuludq",
	VPMULDQ: "vpmuldq", VPMULHRSW: "vpmulhrsw", VPMADDWD: "vpmaddwd", VPMADDUBSW: "vpmaddubsw",
	VPAVGB: "vpavgb", VPAVGW: "vpavgw", VPMINSB: "vpminsb", VPMINSW: "vpminsw", VPMINSD: "vpminsd",
	VPMINUB: "vpminub", VPMINUW: "vpminuw", VPMINUD: "vpminud", VPMAXSB: "vpmaxsb", VPMAXSW: "vpmaxsw",
	VPMAXSD: "vpmaxsd", VPMAXUB: "vpmaxub", VPMAXUW: "vpmaxuw", VPMAXUD: "vpmaxud", VPABSB: "vpabsb",
	VPABSW: "vpabsw", VPABSD: "vpabsd", VPSIGNB: "vpsignb", VPSIGNW: "vpsignw", VPSIGND: "vpsignd",
	VPCMPEQB: "vpcmpeqb", VPCMPEQW: "vpcmpeqw", VPCMPEQD: "vpcmpeqd", VPCMPEQQ: "vpcmpeqq",
	VPCMPGTB: "vpcmpgtb", VPCMPGTW: "vpcmpgtw", VPCMPGTD: "vpcmpgtd", VPCMPGTQ: "vpcmpgtq", VPTEST: "vptest",
	VPAND: "vpand", VPANDN: "vpandn", VPOR: "vpor", VPSLLW: "vpsllw", VPSLLD: "vpslld", VPSLLQ: "vpsllq",
	VPSRLW: "vpsrlw", VPSRLD: "vpsrld", VPSRLQ: "vpsrlq", VPSRAW: "vpsraw", VPSRAD: "vpsrad",
	VPSRLDQ: "vpsrldq", VPSLLDQ: "vpslldq", VPBLENDW: "vpblendw", VBLENDPS: "vblendps", VBLENDPD: "vblendpd",
	VADDPS: "vaddps", VADDPD: "vaddpd", VSUBPS: "vsubps", VSUBPD: "vsubpd", VMULPS: "vmulps", VMULPD: "vmulpd",
	VDIVPS: "vdivps", VDIVPD: "vdivpd", VMINPS: "vminps", VMINPD: "vminpd", VMAXPS: "vmaxps", VMAXPD: "vmaxpd",
	VSQRTPS: "vsqrtps", VSQRTPD: "vsqrtpd", VCMPPS: "vcmpps", VCMPPD: "vcmppd", VROUNDPS: "vroundps",
	VROUNDPD: "vroundpd", VCVTDQ2PS: "vcvtdq2ps", VCVTTPS2DQ: "vcvttps2dq", VCVTPS2DQ: "vcvtps2dq",
	VCVTPS2PD: "vcvtps2pd", VCVTPD2PS: "vcvtpd2ps", VCVTDQ2PD: "vcvtdq2pd", VCVTTPD2DQ: "vcvttpd2dq",
	VCVTPD2DQ: "vcvtpd2dq", VMOVAPS: "vmovaps", VMOVUPS: "vmovups", VMOVDQA: "vmovdqa", VMOVDQU: "vmovdqu",
	VMOVD: "vmovd", VMOVQ: "vmovq", VMOVSS: "vmovss", VMOVSD: "vmovsd", VANDPS: "vandps", VANDNPS: "vandnps",
	VORPS: "vorps", VXORPS: "vxorps", VANDPD: "vandpd", VANDNPD: "vandnpd", VORPD: "vorpd", VXORPD: "vxorpd",
	VPXOR: "vpxor", VPBLENDVB: "vpblendvb", VBLENDVPS: "vblendvps", VBLENDVPD: "vblendvpd",
	VPBROADCASTB: "vpbroadcastb", VPBROADCASTW: "vpbroadcastw", VPBROADCASTD: "vpbroadcastd",
	VPBROADCASTQ: "vpbroadcastq", VBROADCASTSS: "vbroadcastss", VPSLLVD: "vpsllvd", VPSLLVQ: "vpsllvq",
	VPSRLVD: "vpsrlvd", VPSRLVQ: "vpsrlvq", VPSRAVD: "vpsravd", VPERMILPS: "vpermilps", VPERMILPD: "vpermilpd",
	VPBLENDD: "vpblendd",
	VADDSS:   "vaddss", VADDSD: "vaddsd", VMULSS: "vmulss", VMULSD: "vmulsd", VSUBSS: "vsubss", VSUBSD: "vsubsd",
	VMINSS: "vminss", VMINSD: "vminsd", VDIVSS: "vdivss", VDIVSD: "vdivsd", VMAXSS: "vmaxss", VMAXSD: "vmaxsd",
	VSQRTSS: "vsqrtss", VSQRTSD: "vsqrtsd", VCVTSS2SD: "vcvtss2sd", VCVTSD2SS: "vcvtsd2ss",
	VROUNDSS: "vroundss", VROUNDSD: "vroundsd", VCMPSS: "vcmpss", VCMPSD: "vcmpsd", VUCOMISS: "vucomiss",
	VUCOMISD: "vucomisd", VCVTSI2SS: "vcvtsi2ss", VCVTSI2SD: "vcvtsi2sd", VCVTTSS2SI: "vcvttss2si",
	VCVTTSD2SI: "vcvttsd2si", VMOVDQU256: "vmovdqu", VZEROUPPER: "vzeroupper",
}

// String is the mnemonic; for JCC, SETCC and CMOVCC only its stem ("j",
// "set", "cmov"): Inst.String adds the condition.
func (op Op) String() string {
	if op < numOps && opNames[op] != "" {
		return opNames[op]
	}
	return "(badop)"
}
