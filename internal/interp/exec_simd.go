package interp

import (
	"encoding/binary"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/interp/simd"
	"github.com/moat-run/moat/internal/wasm"
)

func v128At(regs []uint64, s uint32) simd.V128 { return simd.V128{Lo: regs[s], Hi: regs[s+1]} }

func setV128(regs []uint64, s uint32, v simd.V128) { regs[s], regs[s+1] = v.Lo, v.Hi }

// execSIMD runs a v128 instruction. Lane arithmetic is in package simd; the
// memory accesses are here, bounds-checked like scalar ones.
func execSIMD(in *instr, regs []uint64, mem []byte, fc *funcCode) abi.TrapCode {
	switch in.op {
	case opV128Unary:
		setV128(regs, in.a, simd.Unary[in.c](v128At(regs, in.b)))
	case opV128Relaxed:
		f := simd.Relaxed[in.imm>>32]
		setV128(regs, in.a, f(v128At(regs, in.b), v128At(regs, in.c), v128At(regs, uint32(in.imm))))
	case opV128Binary:
		setV128(regs, in.a, simd.Binary[in.imm](v128At(regs, in.b), v128At(regs, in.c)))
	case opV128Test:
		regs[in.a] = uint64(simd.Test[in.c](v128At(regs, in.b)))
	case opV128Shift:
		setV128(regs, in.a, simd.Shift[in.imm](v128At(regs, in.b), uint32(regs[in.c])))
	case opV128Splat:
		setV128(regs, in.a, simd.Splat[in.c](regs[in.b]))
	case opV128Bitselect:
		setV128(regs, in.a, simd.Bitselect(v128At(regs, in.b), v128At(regs, in.c), v128At(regs, uint32(in.imm))))
	case opV128Shuffle:
		lanes := simd.V128{Lo: fc.consts[in.imm], Hi: fc.consts[in.imm+1]}
		setV128(regs, in.a, simd.Shuffle(v128At(regs, in.b), v128At(regs, in.c), lanes))
	case opV128ExtractLane:
		regs[in.a] = simd.ExtractLane(wasm.Opcode(in.imm), v128At(regs, in.b), in.c)
	case opV128ReplaceLane:
		op, lane := wasm.Opcode(in.imm&0xffff), uint32(in.imm>>16)
		setV128(regs, in.a, simd.ReplaceLane(op, v128At(regs, in.b), lane, regs[in.c]))

	case opV128Load:
		ea := uint64(uint32(regs[in.b])) + in.imm
		if ea+16 > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		regs[in.a], regs[in.a+1] = binary.LittleEndian.Uint64(mem[ea:]), binary.LittleEndian.Uint64(mem[ea+8:])
	case opV128LoadExtend:
		ea := uint64(uint32(regs[in.b])) + in.imm
		if ea+8 > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		setV128(regs, in.a, simd.LoadExtend(wasm.Opcode(in.c), binary.LittleEndian.Uint64(mem[ea:])))
	case opV128LoadSplat, opV128LoadZero:
		ea := uint64(uint32(regs[in.b])) + in.imm
		size := uint64(in.c)
		if ea+size > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		x := loadN(mem[ea:], size)
		if in.op == opV128LoadZero {
			regs[in.a], regs[in.a+1] = x, 0
			break
		}
		w := splatWord(x, size)
		regs[in.a], regs[in.a+1] = w, w
	case opV128LoadLane:
		ea := uint64(uint32(regs[in.b])) + in.imm&0xffffffff
		lane, size := uint32(in.imm>>32)&0xff, in.imm>>40
		if ea+size > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		v := v128At(regs, in.c)
		setV128(regs, in.a, setLane(v, lane, size, loadN(mem[ea:], size)))
	case opV128Store:
		ea := uint64(uint32(regs[in.b])) + in.imm
		if ea+16 > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		binary.LittleEndian.PutUint64(mem[ea:], regs[in.c])
		binary.LittleEndian.PutUint64(mem[ea+8:], regs[in.c+1])
	case opV128StoreLane:
		ea := uint64(uint32(regs[in.b])) + in.imm&0xffffffff
		lane, size := uint32(in.imm>>32)&0xff, in.imm>>40
		if ea+size > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		storeN(mem[ea:], size, getLane(v128At(regs, in.c), lane, size))
	default:
		return abi.TrapUnreachable // never produced by the translator
	}
	return abi.TrapNone
}

// splatWord repeats a value of size bytes over 64 bits.
func splatWord(x, size uint64) uint64 {
	switch size {
	case 1:
		return x * 0x0101010101010101
	case 2:
		return x * 0x0001000100010001
	case 4:
		return x | x<<32
	}
	return x
}

func loadN(b []byte, size uint64) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.LittleEndian.Uint16(b))
	case 4:
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

func storeN(b []byte, size, x uint64) {
	switch size {
	case 1:
		b[0] = byte(x)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(x))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(x))
	default:
		binary.LittleEndian.PutUint64(b, x)
	}
}

// laneSlot locates lane (of size bytes) in a V128: which half and the bit shift.
func laneSlot(lane uint32, size uint64) (hi bool, shift uint64, mask uint64) {
	bitOff := uint64(lane) * size * 8 & 127
	mask = ^uint64(0)
	if size < 8 {
		mask = 1<<(size*8) - 1
	}
	return bitOff >= 64, bitOff & 63, mask
}

func getLane(v simd.V128, lane uint32, size uint64) uint64 {
	hi, shift, mask := laneSlot(lane, size)
	w := v.Lo
	if hi {
		w = v.Hi
	}
	return w >> shift & mask
}

func setLane(v simd.V128, lane uint32, size uint64, x uint64) simd.V128 {
	hi, shift, mask := laneSlot(lane, size)
	p := &v.Lo
	if hi {
		p = &v.Hi
	}
	*p = *p&^(mask<<shift) | (x&mask)<<shift
	return v
}
