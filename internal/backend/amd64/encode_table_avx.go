package amd64

// avxRows are the AVX (VEX.128) forms not derived from simdSpecs: those of
// the moves, scalar arithmetic and logic of encode_table_sse.go, the
// variable blends (whose AVX
// opcodes differ and take the mask as a fourth register), and the AVX/AVX2
// instructions without an SSE counterpart that WebAssembly SIMD can use:
// broadcasts (splat), per-lane variable shifts, permutes, dword blends.
// Register-register moves with a "swap=" token switch to the store opcode
// when that allows the 2-byte VEX prefix, as GNU as does.
var avxRows = []row{
	{VMOVAPS, sAny, "VEX.128.0F.WIG 28 /r swap=29", "x, xm/128"},
	{VMOVAPS, sAny, "VEX.128.0F.WIG 29 /r", "m/128, x"},
	{VMOVUPS, sAny, "VEX.128.0F.WIG 10 /r swap=11", "x, xm/128"},
	{VMOVUPS, sAny, "VEX.128.0F.WIG 11 /r", "m/128, x"},
	{VMOVDQA, sAny, "VEX.128.66.0F.WIG 6F /r swap=7F", "x, xm/128"},
	{VMOVDQA, sAny, "VEX.128.66.0F.WIG 7F /r", "m/128, x"},
	{VMOVDQU, sAny, "VEX.128.F3.0F.WIG 6F /r swap=7F", "x, xm/128"},
	{VMOVDQU, sAny, "VEX.128.F3.0F.WIG 7F /r", "m/128, x"},
	{VMOVD, sAny, "VEX.128.66.0F.W0 6E /r", "x, rm/32"},
	{VMOVD, sAny, "VEX.128.66.0F.W0 7E /r", "rm/32, x"},
	{VMOVQ, sAny, "VEX.128.F3.0F.WIG 7E /r swap=66.D6", "x, xm/64"},
	{VMOVQ, sAny, "VEX.128.66.0F.WIG D6 /r", "m/64, x"},
	{VMOVQ, sAny, "VEX.128.66.0F.W1 6E /r", "x, rm/64"},
	{VMOVQ, sAny, "VEX.128.66.0F.W1 7E /r", "rm/64, x"},
	// vmovss/vmovsd: a load zeroes the upper lanes; the register form
	// merges the low lane of the third operand into the second.
	{VMOVSS, sAny, "VEX.LIG.F3.0F.WIG 10 /r", "x, m/32"},
	{VMOVSS, sAny, "VEX.LIG.F3.0F.WIG 10 /r swap=11", "x, x, x"},
	{VMOVSS, sAny, "VEX.LIG.F3.0F.WIG 11 /r", "m/32, x"},
	{VMOVSD, sAny, "VEX.LIG.F2.0F.WIG 10 /r", "x, m/64"},
	{VMOVSD, sAny, "VEX.LIG.F2.0F.WIG 10 /r swap=11", "x, x, x"},
	{VMOVSD, sAny, "VEX.LIG.F2.0F.WIG 11 /r", "m/64, x"},

	{VANDPS, sAny, "VEX.128.0F.WIG 54 /r", "x, x, xm/128"},
	{VANDNPS, sAny, "VEX.128.0F.WIG 55 /r", "x, x, xm/128"},
	{VORPS, sAny, "VEX.128.0F.WIG 56 /r", "x, x, xm/128"},
	{VXORPS, sAny, "VEX.128.0F.WIG 57 /r", "x, x, xm/128"},
	{VANDPD, sAny, "VEX.128.66.0F.WIG 54 /r", "x, x, xm/128"},
	{VANDNPD, sAny, "VEX.128.66.0F.WIG 55 /r", "x, x, xm/128"},
	{VORPD, sAny, "VEX.128.66.0F.WIG 56 /r", "x, x, xm/128"},
	{VXORPD, sAny, "VEX.128.66.0F.WIG 57 /r", "x, x, xm/128"},
	{VPXOR, sAny, "VEX.128.66.0F.WIG EF /r", "x, x, xm/128"},

	// Scalar floating point, non-destructive: the upper lanes of the
	// destination come from the second operand.
	{VADDSS, sAny, "VEX.LIG.F3.0F.WIG 58 /r", "x, x, xm/32"},
	{VADDSD, sAny, "VEX.LIG.F2.0F.WIG 58 /r", "x, x, xm/64"},
	{VMULSS, sAny, "VEX.LIG.F3.0F.WIG 59 /r", "x, x, xm/32"},
	{VMULSD, sAny, "VEX.LIG.F2.0F.WIG 59 /r", "x, x, xm/64"},
	{VSUBSS, sAny, "VEX.LIG.F3.0F.WIG 5C /r", "x, x, xm/32"},
	{VSUBSD, sAny, "VEX.LIG.F2.0F.WIG 5C /r", "x, x, xm/64"},
	{VMINSS, sAny, "VEX.LIG.F3.0F.WIG 5D /r", "x, x, xm/32"},
	{VMINSD, sAny, "VEX.LIG.F2.0F.WIG 5D /r", "x, x, xm/64"},
	{VDIVSS, sAny, "VEX.LIG.F3.0F.WIG 5E /r", "x, x, xm/32"},
	{VDIVSD, sAny, "VEX.LIG.F2.0F.WIG 5E /r", "x, x, xm/64"},
	{VMAXSS, sAny, "VEX.LIG.F3.0F.WIG 5F /r", "x, x, xm/32"},
	{VMAXSD, sAny, "VEX.LIG.F2.0F.WIG 5F /r", "x, x, xm/64"},
	{VSQRTSS, sAny, "VEX.LIG.F3.0F.WIG 51 /r", "x, x, xm/32"},
	{VSQRTSD, sAny, "VEX.LIG.F2.0F.WIG 51 /r", "x, x, xm/64"},
	{VCVTSS2SD, sAny, "VEX.LIG.F3.0F.WIG 5A /r", "x, x, xm/32"},
	{VCVTSD2SS, sAny, "VEX.LIG.F2.0F.WIG 5A /r", "x, x, xm/64"},
	{VROUNDSS, sAny, "VEX.LIG.66.0F3A.WIG 0A /r ib", "x, x, xm/32, u8"},
	{VROUNDSD, sAny, "VEX.LIG.66.0F3A.WIG 0B /r ib", "x, x, xm/64, u8"},
	{VCMPSS, sAny, "VEX.LIG.F3.0F.WIG C2 /r ib", "x, x, xm/32, u8"},
	{VCMPSD, sAny, "VEX.LIG.F2.0F.WIG C2 /r ib", "x, x, xm/64, u8"},
	{VUCOMISS, sAny, "VEX.LIG.0F.WIG 2E /r", "x, xm/32"},
	{VUCOMISD, sAny, "VEX.LIG.66.0F.WIG 2E /r", "x, xm/64"},
	// Size is the width of the general-purpose side, as for the SSE forms.
	{VCVTSI2SS, s32, "VEX.LIG.F3.0F.W0 2A /r", "x, x, rm"},
	{VCVTSI2SS, s64, "VEX.LIG.F3.0F.W1 2A /r", "x, x, rm"},
	{VCVTSI2SD, s32, "VEX.LIG.F2.0F.W0 2A /r", "x, x, rm"},
	{VCVTSI2SD, s64, "VEX.LIG.F2.0F.W1 2A /r", "x, x, rm"},
	{VCVTTSS2SI, s32, "VEX.LIG.F3.0F.W0 2C /r", "r, xm/32"},
	{VCVTTSS2SI, s64, "VEX.LIG.F3.0F.W1 2C /r", "r, xm/32"},
	{VCVTTSD2SI, s32, "VEX.LIG.F2.0F.W0 2C /r", "r, xm/64"},
	{VCVTTSD2SI, s64, "VEX.LIG.F2.0F.W1 2C /r", "r, xm/64"},

	// Variable blends: the mask is any register, in imm8[7:4].
	{VPBLENDVB, sAny, "VEX.128.66.0F3A.W0 4C /r is4", "x, x, xm/128, x"},
	{VBLENDVPS, sAny, "VEX.128.66.0F3A.W0 4A /r is4", "x, x, xm/128, x"},
	{VBLENDVPD, sAny, "VEX.128.66.0F3A.W0 4B /r is4", "x, x, xm/128, x"},

	// AVX2 broadcasts from the low element of a register or from memory
	// (vbroadcastss from a register is AVX2 too; from memory, AVX).
	{VPBROADCASTB, sAny, "VEX.128.66.0F38.W0 78 /r", "x, xm/8"},
	{VPBROADCASTW, sAny, "VEX.128.66.0F38.W0 79 /r", "x, xm/16"},
	{VPBROADCASTD, sAny, "VEX.128.66.0F38.W0 58 /r", "x, xm/32"},
	{VPBROADCASTQ, sAny, "VEX.128.66.0F38.W0 59 /r", "x, xm/64"},
	{VBROADCASTSS, sAny, "VEX.128.66.0F38.W0 18 /r", "x, xm/32"},

	// AVX2 shifts by a count per lane (counts past the width give 0, or
	// the sign for vpsravd).
	{VPSLLVD, sAny, "VEX.128.66.0F38.W0 47 /r", "x, x, xm/128"},
	{VPSLLVQ, sAny, "VEX.128.66.0F38.W1 47 /r", "x, x, xm/128"},
	{VPSRLVD, sAny, "VEX.128.66.0F38.W0 45 /r", "x, x, xm/128"},
	{VPSRLVQ, sAny, "VEX.128.66.0F38.W1 45 /r", "x, x, xm/128"},
	{VPSRAVD, sAny, "VEX.128.66.0F38.W0 46 /r", "x, x, xm/128"},

	// AVX permutes within 128 bits, by a vector of selectors or by imm8;
	// AVX2 dword blend by imm8.
	{VPERMILPS, sAny, "VEX.128.66.0F38.W0 0C /r", "x, x, xm/128"},
	{VPERMILPS, sAny, "VEX.128.66.0F3A.W0 04 /r ib", "x, xm/128, u8"},
	{VPERMILPD, sAny, "VEX.128.66.0F38.W0 0D /r", "x, x, xm/128"},
	{VPERMILPD, sAny, "VEX.128.66.0F3A.W0 05 /r ib", "x, xm/128, u8"},
	{VPBLENDD, sAny, "VEX.128.66.0F3A.W0 02 /r ib", "x, x, xm/128, u8"},

	// 256-bit moves for memory.copy's blocks (AVX), and vzeroupper
	// (VEX.128.0F.WIG 77) written as its bytes: it has no operand, so
	// no field of the prefix varies.
	{VMOVDQU256, sAny, "VEX.256.F3.0F.WIG 6F /r", "x/256, m/256"},
	{VMOVDQU256, sAny, "VEX.256.F3.0F.WIG 7F /r", "m/256, x/256"},
	{VZEROUPPER, sAny, "C5 F8 77", ""},
}
