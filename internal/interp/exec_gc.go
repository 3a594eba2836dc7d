package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// ScanRoots marks the references the machine's value stack may hold: the
// slots of every live frame, scanned conservatively (a slot's type is not
// known at run time). top bounds the live slots: the current frame's end
// when an instruction allocates, the arguments' end during a host call.
func (m *machine) ScanRoots(mk *gcheap.Marker) {
	mk.Conservative(m.stack[:min(m.top, len(m.stack))])
}

// execGC runs a garbage-collection instruction (but br_on_cast, a branch).
// top is the end of the current frame's slots, for ScanRoots.
func (m *machine) execGC(in *instr, regs []uint64, st *instState, fc *funcCode, top int) abi.TrapCode {
	switch in.op {
	case opStructGet:
		o := regs[in.b]
		if o == 0 {
			return abi.TrapNullStructReference
		}
		loadField(st.store.GC().Bytes(), o+uint64(in.c), fieldKind(in.imm), regs[in.a:])
	case opStructSet:
		o := regs[in.b]
		if o == 0 {
			return abi.TrapNullStructReference
		}
		storeField(st.store.GC().Bytes(), o+uint64(uint32(in.imm)), fieldKind(in.imm>>32), regs[in.c:])
	case opArrayGet:
		o, i := regs[in.b], uint32(regs[in.c])
		if o == 0 {
			return abi.TrapNullArrayReference
		}
		h := st.store.GC()
		if i >= h.ArrayLen(o) {
			return abi.TrapArrayOutOfBounds
		}
		k := fieldKind(in.imm)
		loadField(h.Bytes(), o+gcheap.HeaderSize+uint64(i)*k.size(), k, regs[in.a:])
	case opArraySet:
		o, i := regs[in.a], uint32(regs[in.b])
		if o == 0 {
			return abi.TrapNullArrayReference
		}
		h := st.store.GC()
		if i >= h.ArrayLen(o) {
			return abi.TrapArrayOutOfBounds
		}
		k := fieldKind(in.imm)
		storeField(h.Bytes(), o+gcheap.HeaderSize+uint64(i)*k.size(), k, regs[in.c:])
	case opArrayLen:
		o := regs[in.b]
		if o == 0 {
			return abi.TrapNullArrayReference
		}
		regs[in.a] = uint64(st.store.GC().ArrayLen(o))
	case opRefTest:
		regs[in.a] = b2u(castOK(st, &fc.casts[in.imm], regs[in.b]))
	case opRefCast:
		if !castOK(st, &fc.casts[in.imm], regs[in.b]) {
			return abi.TrapCastFailure
		}
		regs[in.a] = regs[in.b]
	case opRefI31:
		regs[in.a] = gcheap.I31(uint32(regs[in.b]))
	case opI31GetS, opI31GetU:
		w := regs[in.b]
		if w == 0 {
			return abi.TrapNullI31Reference
		}
		if in.op == opI31GetS {
			regs[in.a] = uint64(uint32(gcheap.I31S(w)))
		} else {
			regs[in.a] = uint64(gcheap.I31U(w))
		}
	case opArrayFill, opArrayCopy, opArrayInitData, opArrayInitElem:
		return m.execArrayBulk(in, regs, st)
	default:
		m.top = top
		return m.allocGC(in, regs, st)
	}
	return abi.TrapNone
}

// size is the bytes a field of kind k takes.
func (k fieldKind) size() uint64 { return uint64(k &^ kindSigned) }

// loadField reads a field into dst (two slots for v128).
func loadField(mem []byte, o uint64, k fieldKind, dst []uint64) {
	t := storageOf(k)
	lo, hi := gcheap.LoadField(mem, o, t, k&kindSigned != 0)
	dst[0] = lo
	if t == wasm.V128 {
		dst[1] = hi
	}
}

// storeField writes src (two slots for v128) to a field of kind k.
func storeField(mem []byte, o uint64, k fieldKind, src []uint64) {
	var hi uint64
	if k.size() == 16 {
		hi = src[1]
	}
	gcheap.StoreField(mem, o, storageOf(k), src[0], hi)
}

func storageOf(k fieldKind) wasm.ValType {
	switch k.size() {
	case 1:
		return wasm.PackedI8
	case 2:
		return wasm.PackedI16
	case 4:
		return wasm.I32
	case 16:
		return wasm.V128
	}
	return wasm.I64
}

// castOK reports whether reference w passes cast d.
func castOK(st *instState, d *castDesc, w uint64) bool {
	if w == 0 {
		return d.nullable
	}
	switch d.kind {
	case castAny:
		return true
	case castNever:
		return false
	case castEq:
		return gcheap.IsI31(w) || gcheap.IsObject(w)
	case castI31:
		return gcheap.IsI31(w)
	case castStruct, castArray, castGCType:
		if !gcheap.IsObject(w) {
			return false
		}
		h := st.store.GC()
		id := h.TypeOf(w)
		switch d.kind {
		case castStruct:
			return h.Type(id).Kind == wasm.CompStruct
		case castArray:
			return h.Type(id).Kind == wasm.CompArray
		}
		return h.IsSubtype(id, st.gcTypes[d.typeIdx])
	case castFuncType:
		f := st.store.Func(w)
		want := &st.module.Types[d.typeIdx].Func
		return f != nil && (f.Type == want || f.Type.SubtypeOf(want))
	}
	return false
}

// allocFailed is the trap of a failed allocation.
func allocFailed(err error) abi.TrapCode { return vm.GCTrap(err) }
