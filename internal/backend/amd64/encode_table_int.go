package amd64

// intRows are the general-purpose integer instructions. Within an Op, rows
// are tried in order: register-register forms use the "MR" direction (as GNU
// as does), immediates prefer the sign-extended imm8 form, then the short
// accumulator form, then the full imm32 form.
var intRows = concatRows(
	aluRows(ADD, 0x00, 0),
	aluRows(OR, 0x08, 1),
	aluRows(ADC, 0x10, 2),
	aluRows(SBB, 0x18, 3),
	aluRows(AND, 0x20, 4),
	aluRows(SUB, 0x28, 5),
	aluRows(XOR, 0x30, 6),
	aluRows(CMP, 0x38, 7),
	[]row{
		{TEST, s8, "84 /r", "rm, r"},
		{TEST, sW, "W 85 /r", "rm, r"},
		{TEST, s8, "A8 ib", "acc, imm"},
		{TEST, sW, "W A9 iz", "acc, imm"},
		{TEST, s8, "F6 /0 ib", "rm, imm"},
		{TEST, sW, "W F7 /0 iz", "rm, imm"},

		{MOV, s8, "88 /r", "rm, r"},
		{MOV, sW, "W 89 /r", "rm, r"},
		{MOV, s8, "8A /r", "r, m"},
		{MOV, sW, "W 8B /r", "r, m"},
		{MOV, s8, "B0+r ib", "r, imm"},
		{MOV, s16 | s32, "W B8+r iz", "r, imm"},
		{MOV, s8, "C6 /0 ib", "m, imm"},
		{MOV, sW, "W C7 /0 iz", "rm, imm"},
		{MOV, s64, "W B8+r io", "r, imm64"},

		{MOVZX8, sW, "W 0F B6 /r", "r, rm/8"},
		{MOVZX16, sDQ, "W 0F B7 /r", "r, rm/16"},
		{MOVSX8, sW, "W 0F BE /r", "r, rm/8"},
		{MOVSX16, sDQ, "W 0F BF /r", "r, rm/16"},
		{MOVSXD, s64, "W 63 /r", "r, rm/32"},
		{LEA, sW, "W 8D /r", "r, m/-"},
		{CMOVCC, sW, "W 0F 40+cc /r", "r, rm"},
		{SETCC, s8 | s0, "0F 90+cc /0", "rm/8"},

		{NOT, s8, "F6 /2", "rm"},
		{NOT, sW, "W F7 /2", "rm"},
		{NEG, s8, "F6 /3", "rm"},
		{NEG, sW, "W F7 /3", "rm"},
		{MUL, s8, "F6 /4", "rm"},
		{MUL, sW, "W F7 /4", "rm"},
		{DIV, s8, "F6 /6", "rm"},
		{DIV, sW, "W F7 /6", "rm"},
		{IDIV, s8, "F6 /7", "rm"},
		{IDIV, sW, "W F7 /7", "rm"},
		{IMUL, sW, "W 0F AF /r", "r, rm"},
		{IMUL, sW, "W 6B /r ib", "r, rm, imm8"},
		{IMUL, sW, "W 69 /r iz", "r, rm, imm"},
		{CDQ, s0 | s32, "99", ""},
		{CQO, s0 | s64, "REX.W 99", ""},

		{BSF, sW, "W 0F BC /r", "r, rm"},
		{BSR, sW, "W 0F BD /r", "r, rm"},
		{LZCNT, sW, "W F3 0F BD /r", "r, rm"},
		{TZCNT, sW, "W F3 0F BC /r", "r, rm"},
		{POPCNT, sW, "W F3 0F B8 /r", "r, rm"},
	},
	shiftRows(ROL, 0),
	shiftRows(ROR, 1),
	shiftRows(SHL, 4),
	shiftRows(SHR, 5),
	shiftRows(SAR, 7),
)

// ctrlRows are control flow, the stack and the one-byte odds and ends.
var ctrlRows = []row{
	{JMP, sDef64, "E9 cd", "rel"},
	{JMP, sDef64, "E9 cd", "fn"}, // tail call to another function
	{JMP, sDef64, "FF /4", "rm/64"},
	{JCC, sAny, "0F 80+cc cd", "rel"},
	{CALL, sDef64, "E8 cd", "fn"},
	{CALL, sDef64, "E8 cd", "rel"},
	{CALL, sDef64, "FF /2", "rm/64"},
	{RET, sAny, "C3", ""},
	{RET, sAny, "C2 iw", "u16"}, // ret n: pops n bytes of stack arguments
	{PUSH, sDef64, "50+r", "r/64"},
	{PUSH, sDef64, "FF /6", "m/64"},
	{PUSH, sDef64, "6A ib", "imm8"},
	{PUSH, sDef64, "68 id", "imm"},
	{POP, sDef64, "58+r", "r/64"},
	{POP, sDef64, "8F /0", "m/64"},
	{NOP, sAny, "90", ""},
	{UD2, sAny, "0F 0B", ""},
	{INT3, sAny, "CC", ""},
	{REPMOVSB, sAny, "F3 A4", ""},
	{REPSTOSB, sAny, "F3 AA", ""},
}

// aluRows are the eight classic two-operand operations, which share one
// opcode layout: base+0..5 for the register and accumulator forms and
// 80/81/83 /digit for immediates.
func aluRows(op Op, base byte, digit byte) []row {
	h := func(b byte) string { return hexByte(b) }
	d := "/" + string('0'+digit)
	return []row{
		{op, s8, h(base+0) + " /r", "rm, r"},
		{op, sW, "W " + h(base+1) + " /r", "rm, r"},
		{op, s8, h(base+2) + " /r", "r, m"},
		{op, sW, "W " + h(base+3) + " /r", "r, m"},
		{op, sW, "W 83 " + d + " ib", "rm, imm8"},
		{op, s8, h(base+4) + " ib", "acc, imm"},
		{op, sW, "W " + h(base+5) + " iz", "acc, imm"},
		{op, s8, "80 " + d + " ib", "rm, imm"},
		{op, sW, "W 81 " + d + " iz", "rm, imm"},
	}
}

// shiftRows are the shifts and rotates: by 1 (D0/D1), by cl (D2/D3) and by
// an imm8 (C0/C1).
func shiftRows(op Op, digit byte) []row {
	d := "/" + string('0'+digit)
	return []row{
		{op, s8, "D0 " + d, "rm, 1"},
		{op, sW, "W D1 " + d, "rm, 1"},
		{op, s8, "D2 " + d, "rm, cl/8"},
		{op, sW, "W D3 " + d, "rm, cl/8"},
		{op, s8, "C0 " + d + " ib", "rm, u8"},
		{op, sW, "W C1 " + d + " ib", "rm, u8"},
	}
}

func hexByte(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

func concatRows(tables ...[]row) []row {
	var all []row
	for _, t := range tables {
		all = append(all, t...)
	}
	return all
}
