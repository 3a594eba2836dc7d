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

// rmForm gives in's opcode and the operands in ModRM.reg and ModRM.rm, if
// in has one of the forms above.
func rmForm(in *Inst) (op byte, reg Reg, rm *Operand, ok bool) {
	if in.Op >= numOps || in.Size != S32 && in.Size != S64 || in.Args[2].Kind != KindNone || in.Arg4.Kind != KindNone {
		return 0, 0, nil, false
	}
	codes := &rmOpcodes[in.Op]
	a, b := &in.Args[0], &in.Args[1]
	switch {
	case codes[0] != 0 && b.Kind == KindReg && b.Reg.IsGPR() && (a.Kind == KindReg && a.Reg.IsGPR() || a.Kind == KindMem && plainMem(&a.Mem)):
		return codes[0], b.Reg, a, true
	case codes[1] != 0 && a.Kind == KindReg && a.Reg.IsGPR() && b.Kind == KindMem && plainMem(&b.Mem):
		return codes[1], a.Reg, b, true
	}
	return 0, 0, nil, false
}

// plainMem reports whether m is a memory operand checkMem accepts with a
// general-purpose base and no label (so neither rip-relative nor absolute).
func plainMem(m *Mem) bool {
	return m.Base.IsGPR() && m.Label == 0 &&
		(m.Index == NoReg || m.Index.IsGPR() && m.Index != RSP && (m.Scale <= 2 || m.Scale == 4 || m.Scale == 8))
}

// encodeRM writes the instruction of rmForm into buf and returns its
// length.
func encodeRM(buf *[maxInstLen]byte, w bool, op byte, reg Reg, rm *Operand) int {
	rex := reg.high() << 2
	if w {
		rex |= 0x48
	}
	if rm.Kind == KindReg {
		rex |= rm.Reg.high()
	} else {
		rex |= rm.Mem.Index.high()<<1 | rm.Mem.Base.high()
	}
	n := 0
	if rex != 0 {
		buf[0] = rex | 0x40
		n = 1
	}
	buf[n] = op
	n++
	if rm.Kind == KindReg {
		buf[n] = 0xC0 | reg.low3()<<3 | rm.Reg.low3()
		return n + 1
	}
	var e encoded // no rip-relative field to note
	return putMem(buf, n, reg.low3(), &rm.Mem, &e)
}

// emitRM appends in if it has one of rmForm's forms, and reports whether
// it did. Such an instruction names no label, so it needs none of emit's
// records; with a listing, emit writes it.
func (a *Assembler) emitRM(in *Inst) bool {
	if a.err != nil || a.Listing != nil {
		return false
	}
	op, reg, rm, ok := rmForm(in)
	if !ok {
		return false
	}
	n := len(a.code)
	a.code = a.code[:n+encodeRM(a.spare(), in.Size == S64, op, reg, rm)]
	return true
}
