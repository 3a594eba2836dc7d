package amd64

import "encoding/binary"

// The allocator's moves (a whole register to a register, a register to its
// stack slot, a slot to a register: a fifth of the instructions of a Go
// test binary), and the vinsts that copy a whole register (vinst.move),
// are encoded without looking their form up. The bytes are
// those of the forms the table gives them (encode_table_int.go,
// encode_table_sse.go), which TestEncodeMoveMatchesTable checks for every
// register, direction and displacement size:
//
//	mov r/m64, r64    REX.W 89 /r   (register to register, and stores)
//	mov r64, m64      REX.W 8B /r   (loads)
//	movaps x, x       0F 28 /r      (float register to register)
//	movups x, m128    0F 10 /r      (float loads)
//	movups m128, x    0F 11 /r      (float stores)
//
// A slot is [rsp+disp]: ModRM rm=100 with a SIB byte of base rsp and no
// index, and the shortest displacement.

// moveShape is the operands of a move: both registers, or a register and
// a slot on either side.
type moveShape uint8

const (
	moveRegReg moveShape = iota
	moveLoad             // register <- slot
	moveStore            // slot <- register
)

// moveOpcodes are the last opcode bytes by shape, general-purpose then
// XMM.
var moveOpcodes = [2][3]byte{{0x89, 0x8B, 0x89}, {0x28, 0x10, 0x11}}

// encodeMove writes the move of shape sh into buf and returns its length.
// dst and src are its registers (for a load or store, the one that is not
// the slot; the other is ignored), all of one kind: general-purpose
// (float false) or XMM (float true); disp is the slot's offset from rsp.
func encodeMove(buf *[maxInstLen]byte, float bool, sh moveShape, dst, src Reg, disp int32) int {
	// ModRM.reg and, between registers, ModRM.rm: mov r/m64, r64 names the
	// source in reg, every other form the destination.
	reg, rm := dst, src
	if sh == moveStore || !float && sh == moveRegReg {
		reg, rm = src, dst
	}
	kind := 0
	rex := reg.high() << 2
	if float {
		kind = 1
	} else {
		rex |= 0x48
	}
	if sh == moveRegReg {
		rex |= rm.high()
	}
	n := 0
	if rex != 0 {
		buf[n] = rex | 0x40
		n++
	}
	if float {
		buf[n] = 0x0F
		n++
	}
	buf[n] = moveOpcodes[kind][sh]
	n++
	if sh == moveRegReg {
		buf[n] = 0xC0 | reg.low3()<<3 | rm.low3()
		return n + 1
	}
	const rmSIB, sibRSP = 0b100, 0x24 // [rsp]: SIB follows; no index, base rsp
	switch {
	case disp == 0:
		buf[n], buf[n+1] = reg.low3()<<3|rmSIB, sibRSP
		return n + 2
	case disp >= -128 && disp <= 127:
		buf[n], buf[n+1], buf[n+2] = 0b01<<6|reg.low3()<<3|rmSIB, sibRSP, byte(int8(disp))
		return n + 3
	}
	buf[n], buf[n+1] = 0b10<<6|reg.low3()<<3|rmSIB, sibRSP
	binary.LittleEndian.PutUint32(buf[n+2:], uint32(disp))
	return n + 6
}

// emitMove appends a move encoded by encodeMove (see there). It names no
// label, so it needs none of emit's records; a listing is written by emit.
func (a *Assembler) emitMove(float bool, sh moveShape, dst, src Reg, disp int32) {
	if a.err != nil {
		return
	}
	n := len(a.code)
	a.code = a.code[:n+encodeMove(a.spare(), float, sh, dst, src, disp)]
}
