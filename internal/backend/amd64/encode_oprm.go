package amd64

// The short paths (emitRM, emitImm) encode an opcode whose operand is a
// general-purpose register or a plain memory operand (plainMem) in
// ModRM.rm. These helpers write their prefix and opcode; they are small
// enough to inline, so the paths stay one function each, as emitRM's
// comment asks (the ModRM byte stays in each: a helper for it would be a
// call, past the inliner's budget).

// rexFor is the REX prefix of such an instruction, 0 when it needs none:
// W for 64-bit operands, R from ModRM.reg's high bit (regHigh), and B, or
// X and B, from rm's register or base and index.
func rexFor(wide bool, regHigh byte, rm *Operand) byte {
	rex := regHigh << 2
	if wide {
		rex |= 0x48
	}
	if rm.Kind == KindReg {
		rex |= rm.Reg.high()
	} else {
		rex |= rm.Mem.Index.high()<<1 | rm.Mem.Base.high()
	}
	return rex
}

// putRexOp writes rex (when not 0) and op at the start of buf, and
// returns how many bytes it wrote.
func putRexOp(buf *[maxInstLen]byte, rex, op byte) int {
	n := 0
	if rex != 0 {
		buf[0] = rex | 0x40
		n = 1
	}
	buf[n] = op
	return n + 1
}
