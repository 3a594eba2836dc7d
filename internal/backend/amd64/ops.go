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
}

// String is the mnemonic; for JCC, SETCC and CMOVCC only its stem ("j",
// "set", "cmov"): Inst.String adds the condition.
func (op Op) String() string {
	if op < numOps && opNames[op] != "" {
		return opNames[op]
	}
	return "(badop)"
}
