package gcheap

import (
	"encoding/binary"

	"github.com/moat-run/moat/internal/wasm"
)

// StoreField writes a value of storage type t at mem[o:]: the low byte or
// two of lo for packed types, lo and hi for v128, lo otherwise.
func StoreField(mem []byte, o uint64, t wasm.ValType, lo, hi uint64) {
	switch StorageSize(t) {
	case 1:
		mem[o] = byte(lo)
	case 2:
		binary.LittleEndian.PutUint16(mem[o:], uint16(lo))
	case 4:
		binary.LittleEndian.PutUint32(mem[o:], uint32(lo))
	case 16:
		binary.LittleEndian.PutUint64(mem[o:], lo)
		binary.LittleEndian.PutUint64(mem[o+8:], hi)
	default:
		binary.LittleEndian.PutUint64(mem[o:], lo)
	}
}

// LoadField reads a value of storage type t at mem[o:]; packed values are
// sign-extended to 32 bits when signed, zero-extended otherwise.
func LoadField(mem []byte, o uint64, t wasm.ValType, signed bool) (lo, hi uint64) {
	switch StorageSize(t) {
	case 1:
		if signed {
			return uint64(uint32(int32(int8(mem[o])))), 0
		}
		return uint64(mem[o]), 0
	case 2:
		v := binary.LittleEndian.Uint16(mem[o:])
		if signed {
			return uint64(uint32(int32(int16(v)))), 0
		}
		return uint64(v), 0
	case 4:
		return uint64(binary.LittleEndian.Uint32(mem[o:])), 0
	case 16:
		return binary.LittleEndian.Uint64(mem[o:]), binary.LittleEndian.Uint64(mem[o+8:])
	}
	return binary.LittleEndian.Uint64(mem[o:]), 0
}

// NewStruct allocates a struct of type id with every field zero.
func (h *Heap) NewStruct(id uint32) (uint64, error) {
	return h.Alloc(uint64(h.types.infos[id].Size), uint64(id))
}

// NewArray allocates an array of type id and n zero elements.
func (h *Heap) NewArray(id uint32, n uint32) (uint64, error) {
	size := ArraySize(n, h.types.infos[id].ElemSize)
	if size > h.limit {
		return 0, ErrTooLarge
	}
	return h.Alloc(size, uint64(id)|uint64(n)<<32)
}
