package amd64

// sseRows are the SSE/SSE2/SSE4.1 instructions of scalar WebAssembly plus
// the full-width moves used for spills. Loads list the "xmm, xmm/m" row
// first, so register-register moves use the load opcode as GNU as does.
// The SIMD families of issue #5 are more rows of the same shape.
var sseRows = []row{
	{MOVSS, sAny, "F3 0F 10 /r", "x, xm/32"},
	{MOVSS, sAny, "F3 0F 11 /r", "m/32, x"},
	{MOVSD, sAny, "F2 0F 10 /r", "x, xm/64"},
	{MOVSD, sAny, "F2 0F 11 /r", "m/64, x"},
	{MOVAPS, sAny, "0F 28 /r", "x, xm/128"},
	{MOVAPS, sAny, "0F 29 /r", "m/128, x"},
	{MOVUPS, sAny, "0F 10 /r", "x, xm/128"},
	{MOVUPS, sAny, "0F 11 /r", "m/128, x"},
	{MOVDQA, sAny, "66 0F 6F /r", "x, xm/128"},
	{MOVDQA, sAny, "66 0F 7F /r", "m/128, x"},
	{MOVDQU, sAny, "F3 0F 6F /r", "x, xm/128"},
	{MOVDQU, sAny, "F3 0F 7F /r", "m/128, x"},

	// movd/movq between general-purpose and XMM registers (and memory).
	{MOVD, sAny, "66 0F 6E /r", "x, rm/32"},
	{MOVD, sAny, "66 0F 7E /r", "rm/32, x"},
	{MOVQ, sAny, "F3 0F 7E /r", "x, xm/64"},
	{MOVQ, sAny, "66 0F D6 /r", "m/64, x"},
	{MOVQ, sAny, "REX.W 66 0F 6E /r", "x, rm/64"},
	{MOVQ, sAny, "REX.W 66 0F 7E /r", "rm/64, x"},

	{ADDSS, sAny, "F3 0F 58 /r", "x, xm/32"},
	{ADDSD, sAny, "F2 0F 58 /r", "x, xm/64"},
	{MULSS, sAny, "F3 0F 59 /r", "x, xm/32"},
	{MULSD, sAny, "F2 0F 59 /r", "x, xm/64"},
	{SUBSS, sAny, "F3 0F 5C /r", "x, xm/32"},
	{SUBSD, sAny, "F2 0F 5C /r", "x, xm/64"},
	{MINSS, sAny, "F3 0F 5D /r", "x, xm/32"},
	{MINSD, sAny, "F2 0F 5D /r", "x, xm/64"},
	{DIVSS, sAny, "F3 0F 5E /r", "x, xm/32"},
	{DIVSD, sAny, "F2 0F 5E /r", "x, xm/64"},
	{MAXSS, sAny, "F3 0F 5F /r", "x, xm/32"},
	{MAXSD, sAny, "F2 0F 5F /r", "x, xm/64"},
	{SQRTSS, sAny, "F3 0F 51 /r", "x, xm/32"},
	{SQRTSD, sAny, "F2 0F 51 /r", "x, xm/64"},
	{UCOMISS, sAny, "0F 2E /r", "x, xm/32"},
	{UCOMISD, sAny, "66 0F 2E /r", "x, xm/64"},
	{CVTSS2SD, sAny, "F3 0F 5A /r", "x, xm/32"},
	{CVTSD2SS, sAny, "F2 0F 5A /r", "x, xm/64"},
	{ROUNDSS, sAny, "66 0F 3A 0A /r ib", "x, xm/32, u8"},
	{ROUNDSD, sAny, "66 0F 3A 0B /r ib", "x, xm/64, u8"},
	{CMPSS, sAny, "F3 0F C2 /r ib", "x, xm/32, u8"},
	{CMPSD, sAny, "F2 0F C2 /r ib", "x, xm/64, u8"},

	// Conversions with a general-purpose side: Size is its width.
	{CVTSI2SS, sDQ, "W F3 0F 2A /r", "x, rm"},
	{CVTSI2SD, sDQ, "W F2 0F 2A /r", "x, rm"},
	{CVTTSS2SI, sDQ, "W F3 0F 2C /r", "r, xm/32"},
	{CVTTSD2SI, sDQ, "W F2 0F 2C /r", "r, xm/64"},

	// Bitwise logic on whole registers (sign and abs masks, and SIMD later).
	{ANDPS, sAny, "0F 54 /r", "x, xm/128"},
	{ANDNPS, sAny, "0F 55 /r", "x, xm/128"},
	{ORPS, sAny, "0F 56 /r", "x, xm/128"},
	{XORPS, sAny, "0F 57 /r", "x, xm/128"},
	{ANDPD, sAny, "66 0F 54 /r", "x, xm/128"},
	{ANDNPD, sAny, "66 0F 55 /r", "x, xm/128"},
	{ORPD, sAny, "66 0F 56 /r", "x, xm/128"},
	{XORPD, sAny, "66 0F 57 /r", "x, xm/128"},
	{PXOR, sAny, "66 0F EF /r", "x, xm/128"},
}
