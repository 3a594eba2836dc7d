package interp

import (
	"encoding/binary"
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/interp/simd"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// The generic memory path: any memory, 32- or 64-bit addresses. An
// effective address that overflows 64 bits, or an access past the end, is
// out of bounds.

// execMemory runs opMemAccess, opMemorySizeX and opMemoryGrowX.
func execMemory(in *instr, regs []uint64, st *instState, fc *funcCode) abi.TrapCode {
	switch in.op {
	case opMemorySizeX:
		regs[in.a] = uint64(st.mems[in.c].Pages())
	case opMemoryGrowX:
		regs[in.a] = memoryGrow(st.mems[in.c], regs[in.b])
	case opMemAccess:
		return memAccessOp(&fc.memOps[in.c], in, regs, st)
	}
	return abi.TrapNone
}

// memoryGrow grows mem by delta pages (an i64 for a 64-bit memory) and
// returns the old size, or -1 in the memory's address type.
func memoryGrow(mem *vm.Memory, delta uint64) uint64 {
	fail := uint64(math.MaxUint64)
	if !mem.Type.Is64 {
		delta = uint64(uint32(delta))
		fail = math.MaxUint32
	}
	if delta > math.MaxUint32 {
		return fail
	}
	old, ok := mem.Grow(uint32(delta))
	if !ok {
		return fail
	}
	return uint64(old)
}

// effective returns address+offset for an access of size bytes, or false
// when it is out of bounds of mem.
func effective(mem []byte, is64 bool, addr, offset, size uint64) (uint64, bool) {
	if !is64 {
		addr = uint64(uint32(addr))
	}
	ea := addr + offset
	if ea < addr || ea > math.MaxUint64-size || ea+size > uint64(len(mem)) {
		return 0, false
	}
	return ea, true
}

// accessSize is the number of bytes a load or store touches.
func accessSize(op wasm.Opcode) uint64 {
	switch op {
	case wasm.OpV128Load, wasm.OpV128Store:
		return 16
	case wasm.OpV128Load8x8S, wasm.OpV128Load8x8U, wasm.OpV128Load16x4S, wasm.OpV128Load16x4U,
		wasm.OpV128Load32x2S, wasm.OpV128Load32x2U:
		return 8
	}
	return 1 << op.NaturalAlign()
}

func memAccessOp(ma *memAccess, in *instr, regs []uint64, st *instState) abi.TrapCode {
	m := st.mems[ma.mem]
	mem := m.Bytes
	ea, ok := effective(mem, m.Type.Is64, regs[in.b], ma.offset, accessSize(ma.op))
	if !ok {
		return abi.TrapMemoryOutOfBounds
	}
	p := mem[ea:]
	a := in.a
	switch ma.op {
	case wasm.OpI32Load, wasm.OpF32Load, wasm.OpI64Load32U:
		regs[a] = uint64(binary.LittleEndian.Uint32(p))
	case wasm.OpI64Load, wasm.OpF64Load:
		regs[a] = binary.LittleEndian.Uint64(p)
	case wasm.OpI32Load8S:
		regs[a] = uint64(uint32(int32(int8(p[0]))))
	case wasm.OpI32Load8U, wasm.OpI64Load8U:
		regs[a] = uint64(p[0])
	case wasm.OpI32Load16S:
		regs[a] = uint64(uint32(int32(int16(binary.LittleEndian.Uint16(p)))))
	case wasm.OpI32Load16U, wasm.OpI64Load16U:
		regs[a] = uint64(binary.LittleEndian.Uint16(p))
	case wasm.OpI64Load8S:
		regs[a] = uint64(int64(int8(p[0])))
	case wasm.OpI64Load16S:
		regs[a] = uint64(int64(int16(binary.LittleEndian.Uint16(p))))
	case wasm.OpI64Load32S:
		regs[a] = uint64(int64(int32(binary.LittleEndian.Uint32(p))))
	case wasm.OpI32Store, wasm.OpF32Store, wasm.OpI64Store32:
		binary.LittleEndian.PutUint32(p, uint32(regs[a]))
	case wasm.OpI64Store, wasm.OpF64Store:
		binary.LittleEndian.PutUint64(p, regs[a])
	case wasm.OpI32Store8, wasm.OpI64Store8:
		p[0] = byte(regs[a])
	case wasm.OpI32Store16, wasm.OpI64Store16:
		binary.LittleEndian.PutUint16(p, uint16(regs[a]))
	case wasm.OpV128Load:
		regs[a], regs[a+1] = binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[8:])
	case wasm.OpV128Store:
		binary.LittleEndian.PutUint64(p, regs[a])
		binary.LittleEndian.PutUint64(p[8:], regs[a+1])
	case wasm.OpV128Load8x8S, wasm.OpV128Load8x8U, wasm.OpV128Load16x4S, wasm.OpV128Load16x4U,
		wasm.OpV128Load32x2S, wasm.OpV128Load32x2U:
		setV128(regs, a, simd.LoadExtend(ma.op, binary.LittleEndian.Uint64(p)))
	case wasm.OpV128Load8Splat, wasm.OpV128Load16Splat, wasm.OpV128Load32Splat, wasm.OpV128Load64Splat:
		size := accessSize(ma.op)
		w := splatWord(loadN(p, size), size)
		regs[a], regs[a+1] = w, w
	case wasm.OpV128Load32Zero, wasm.OpV128Load64Zero:
		regs[a], regs[a+1] = loadN(p, accessSize(ma.op)), 0
	case wasm.OpV128Load8Lane, wasm.OpV128Load16Lane, wasm.OpV128Load32Lane, wasm.OpV128Load64Lane:
		size := accessSize(ma.op)
		setV128(regs, a, setLane(v128At(regs, ma.vec), ma.lane, size, loadN(p, size)))
	case wasm.OpV128Store8Lane, wasm.OpV128Store16Lane, wasm.OpV128Store32Lane, wasm.OpV128Store64Lane:
		size := accessSize(ma.op)
		storeN(p, size, getLane(v128At(regs, a), ma.lane, size))
	default:
		return abi.TrapUnreachable // never produced by the translator
	}
	return abi.TrapNone
}
