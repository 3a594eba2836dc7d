package amd64

import "encoding/binary"

// The commonest templates with an immediate, and calls of other functions
// (together about three quarters of what a compile of a Go test binary
// left to the form lookup after emitRM), are encoded without looking their
// form up either. The bytes are those of the forms the table gives them
// (encode_table_int.go, tried in its order), which
// TestEncodeImmMatchesTable checks for every op, size, register, memory
// shape and immediate range:
//
//	op r/m, imm8    [REX] 83 /digit ib   (an immediate that fits a signed byte)
//	op eax, imm     [REX] base+5 id      (the accumulator)
//	op r/m, imm     [REX] 81 /digit id
//	mov r32, imm    [REX] B8+r id
//	mov r/m, imm    [REX] C7 /0 id       (64-bit registers, and memory)
//	call fn         E8 cd                (a relocation to the function)
//
// at 32 and 64 bits, for the arithmetic ops of aluDigits; a memory
// operand must have a general-purpose base and no label. Anything else
// (a 64-bit immediate, 8- and 16-bit sizes) takes the general path.

// aluDigits are, by op, 1 + the ModRM.reg digit of the immediate forms
// of the eight classic arithmetic ops (their other opcodes are 8*digit +
// 0..5), 0 for every other op.
var aluDigits = func() (t [numOps]byte) {
	for d, op := range [...]Op{ADD, OR, ADC, SBB, AND, SUB, XOR, CMP} {
		t[op] = byte(d) + 1
	}
	return t
}()

// emitImm appends in if it has one of the forms above, and reports
// whether it did. Like emitRM it leaves an Assembler that failed or keeps
// a listing to emit.
func (a *Assembler) emitImm(in *Inst) bool {
	if a.err != nil || a.Listing != nil || in.Op >= numOps || in.Args[2].Kind != KindNone || in.Arg4.Kind != KindNone {
		return false
	}
	if in.Op == CALL {
		return a.callFunc(in)
	}
	dst, src := &in.Args[0], &in.Args[1]
	if src.Kind != KindImm || in.Size != S32 && in.Size != S64 ||
		!(dst.Kind == KindReg && dst.Reg.IsGPR() || dst.Kind == KindMem && plainMem(&dst.Mem)) {
		return false
	}
	// The immediate as the instruction sees it (truncImm).
	v := src.ImmValue()
	if in.Size == S32 {
		if v < -1<<31 || v >= 1<<32 {
			return false
		}
		v = int64(int32(v))
	}
	if v < -1<<31 || v >= 1<<31 {
		return false // only mov r64, imm64 takes it
	}
	// The form: its opcode, whether it has a ModRM byte (with digit in
	// ModRM.reg) or names its register in the opcode, and whether its
	// immediate is a byte.
	var op, digit byte
	modRM, imm8 := true, false
	switch d := aluDigits[in.Op]; {
	case d != 0:
		digit = d - 1
		switch {
		case v >= -128 && v <= 127:
			op, imm8 = 0x83, true
		case dst.Kind == KindReg && dst.Reg == RAX:
			op, modRM = digit<<3+5, false // the accumulator form
		default:
			op = 0x81
		}
	case in.Op == MOV && in.Size == S32 && dst.Kind == KindReg:
		op, modRM = 0xB8+dst.Reg.low3(), false
	case in.Op == MOV:
		op = 0xC7
	default:
		return false
	}
	buf := a.spare()
	n := putRexOp(buf, rexFor(in.Size == S64, 0, dst), op)
	if modRM {
		if dst.Kind == KindReg {
			buf[n] = 0xC0 | digit<<3 | dst.Reg.low3()
			n++
		} else {
			var e encoded // no rip-relative field to note
			n = putMem(buf, n, digit, &dst.Mem, &e)
		}
	}
	if imm8 {
		buf[n] = byte(v)
		n++
	} else {
		binary.LittleEndian.PutUint32(buf[n:], uint32(v))
		n += 4
	}
	a.code = a.code[:len(a.code)+n]
	return true
}

// callFunc appends "call fn" (E8 cd) for a call of function fn, with its
// relocation, as emit records it.
func (a *Assembler) callFunc(in *Inst) bool {
	target := &in.Args[0]
	if target.Kind != KindFunc || in.Args[1].Kind != KindNone || in.Size != 0 && in.Size != S64 {
		return false
	}
	fn := target.ImmValue()
	if fn < 0 || fn > 1<<32-1 {
		return false
	}
	buf := a.spare()
	start := int32(len(a.code))
	buf[0] = 0xE8
	buf[1], buf[2], buf[3], buf[4] = 0, 0, 0, 0
	a.fixups = append(a.fixups, fixup{})
	fx := &a.fixups[len(a.fixups)-1]
	fx.at, fx.items = start+1, int32(len(a.items))
	a.relocs = append(a.relocs, Reloc{})
	r := &a.relocs[len(a.relocs)-1]
	r.Offset, r.Func, r.Addend = int(start)+1, uint32(fn), -4
	a.code = a.code[:len(a.code)+5]
	return true
}
