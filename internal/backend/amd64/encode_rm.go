package amd64

// The commonest templates of lowered code, 32- and 64-bit loads, stores,
// register copies and two-operand arithmetic and compares of
// general-purpose registers and lea (half of the instructions a compile of
// a Go test binary encodes), are encoded without looking their form up.
// The bytes are those of the forms the table gives them
// (encode_table_int.go), which TestEncodeRMMatchesTable checks for every
// op, register, base, index, scale and displacement size:
//
//	op r/m, r    [REX] mr /r   (register to register, and to memory)
//	op r, m      [REX] rm /r   (from memory)
//
// with REX.W at 64 bits, mr and rm the op's opcodes in rmOpcodes. A
// memory operand must have a general-purpose base and no label; anything
// else takes the general path.

// rmOpcodes are, by op, the opcodes of the "op r/m, r" and "op r, m"
// forms, 0 where the op has none (or is not taken here).
var rmOpcodes = func() (t [numOps][2]byte) {
	for _, o := range []struct {
		op     Op
		mr, rm byte
	}{
		{MOV, 0x89, 0x8B}, {LEA, 0, 0x8D}, {TEST, 0x85, 0},
		{ADD, 0x01, 0x03}, {OR, 0x09, 0x0B}, {ADC, 0x11, 0x13}, {SBB, 0x19, 0x1B},
		{AND, 0x21, 0x23}, {SUB, 0x29, 0x2B}, {XOR, 0x31, 0x33}, {CMP, 0x39, 0x3B},
	} {
		t[o.op] = [2]byte{o.mr, o.rm}
	}
	return t
}()

// plainMem reports whether m is a memory operand checkMem accepts with a
// general-purpose base and no label (so neither rip-relative nor absolute).
func plainMem(m *Mem) bool {
	return m.Base.IsGPR() && m.Label == 0 &&
		(m.Index == NoReg || m.Index.IsGPR() && m.Index != RSP && (m.Scale <= 2 || m.Scale == 4 || m.Scale == 8))
}

// emitRM appends in if it has one of the forms above, and reports whether
// it did. Such an instruction names no label, so it needs none of emit's
// records; with a listing, emit writes it. The form's test and its
// encoding are one function: it runs for nearly every template, and the
// calls between them cost a fifth of it.
func (a *Assembler) emitRM(in *Inst) bool {
	if a.err != nil || a.Listing != nil || in.Op >= numOps || in.Size != S32 && in.Size != S64 || in.Args[2].Kind != KindNone || in.Arg4.Kind != KindNone {
		return false
	}
	// The opcode and the operands in ModRM.reg and ModRM.rm.
	var op byte
	var reg Reg
	var rm *Operand
	codes := &rmOpcodes[in.Op]
	x, y := &in.Args[0], &in.Args[1]
	switch {
	case codes[0] != 0 && y.Kind == KindReg && y.Reg.IsGPR() && (x.Kind == KindReg && x.Reg.IsGPR() || x.Kind == KindMem && plainMem(&x.Mem)):
		op, reg, rm = codes[0], y.Reg, x
	case codes[1] != 0 && x.Kind == KindReg && x.Reg.IsGPR() && y.Kind == KindMem && plainMem(&y.Mem):
		op, reg, rm = codes[1], x.Reg, y
	default:
		return false
	}
	buf := a.spare()
	n := putRexOp(buf, rexFor(in.Size == S64, reg.high(), rm), op)
	if rm.Kind == KindReg {
		buf[n] = 0xC0 | reg.low3()<<3 | rm.Reg.low3()
		n++
	} else {
		var e encoded // no rip-relative field to note
		n = putMem(buf, n, reg.low3(), &rm.Mem, &e)
	}
	a.code = a.code[:len(a.code)+n]
	return true
}
