package gcheap

import "github.com/moat-run/moat/internal/wasm"

// HeaderSize is the size of an object's header; a struct's first field and
// an array's first element follow it.
const HeaderSize = 8

// StorageSize is the bytes a field or element of storage type t takes.
func StorageSize(t wasm.ValType) uint32 {
	switch t {
	case wasm.PackedI8:
		return 1
	case wasm.PackedI16:
		return 2
	case wasm.I32, wasm.F32:
		return 4
	case wasm.V128:
		return 16
	}
	return 8 // i64, f64 and every reference
}

// StructLayout places fields in declaration order at their natural
// alignment (at most 8) after the header, and returns each field's offset
// and the object's size, a multiple of 8. A translator may call it: the
// layout depends on the type alone, not on the store.
func StructLayout(fields []wasm.FieldType) (offsets []uint32, size uint32) {
	offsets = make([]uint32, len(fields))
	off := uint64(HeaderSize)
	for i, f := range fields {
		s := uint64(StorageSize(f.Type))
		align := min(s, 8)
		off = (off + align - 1) &^ (align - 1)
		offsets[i] = uint32(off)
		off += s
	}
	return offsets, uint32((off + 7) &^ 7)
}

// ArraySize is the size of an array of n elements of elemSize bytes (it
// cannot overflow: n and elemSize are at most 2^32-1 and 16).
func ArraySize(n uint32, elemSize uint32) uint64 {
	s := HeaderSize + uint64(n)*uint64(elemSize)
	return (s + 7) &^ 7
}

// IsGCRef reports whether a value of type t (of module m) is a reference
// the collector follows: one of the any or extern hierarchies.
func IsGCRef(m *wasm.Module, t wasm.ValType) bool {
	if !t.IsRef() {
		return false
	}
	top := m.TopHeap(t.Heap())
	return top == wasm.HeapAny || top == wasm.HeapExtern
}
