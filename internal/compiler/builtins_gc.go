package compiler

import (
	"encoding/binary"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// The garbage-collection builtins (abi/builtins.go): allocation, the bulk
// array operations and the casts that need the store's type table, on the
// store's heap as in the interpreter. Type operands are module type
// indices, mapped to the store's ids through the instance's GCTypes, so
// compiled code (and an artifact) holds no store-specific id. Every bound
// is checked in 64 bits before anything is written.

// gcBuiltin performs GC builtin b, returning a trap code or TrapNone.
func (st *instance) gcBuiltin(b abi.Builtin, args *[abi.ExitArgWords]uint64) abi.TrapCode {
	store := st.inst.Store
	h := store.GC()
	u := func(k int) uint64 { return uint64(uint32(args[k])) }
	switch b {
	case abi.BuiltinStructNew, abi.BuiltinArrayNew, abi.BuiltinArrayNewData, abi.BuiltinArrayNewElem:
		id, ok := st.gcTypeID(u(0))
		if !ok {
			return abi.TrapUnreachable
		}
		// The fill value of array.new may be a reference nothing else
		// holds: it is a root while the allocation may collect.
		roots := args[:]
		store.PushTempRoots(&roots)
		o, tc := st.gcAlloc(h, b, id, args)
		store.PopTempRoots()
		args[0] = o
		return tc
	case abi.BuiltinArrayFill:
		o, d, n := args[0], u(1), u(4)
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		ti := h.Type(h.TypeOf(o))
		mem, es := h.Bytes(), uint64(ti.ElemSize)
		for i := range n {
			gcheap.StoreField(mem, o+gcheap.HeaderSize+(d+i)*es, ti.Elem.Type, args[2], args[3])
		}
	case abi.BuiltinArrayCopy:
		dst, d, src, s, n := args[0], u(1), args[2], u(3), u(4)
		if d+n > uint64(h.ArrayLen(dst)) || s+n > uint64(h.ArrayLen(src)) {
			return abi.TrapArrayOutOfBounds
		}
		es := uint64(h.Type(h.TypeOf(dst)).ElemSize)
		mem := h.Bytes()
		copy(mem[dst+gcheap.HeaderSize+d*es:dst+gcheap.HeaderSize+(d+n)*es], mem[src+gcheap.HeaderSize+s*es:])
	case abi.BuiltinArrayInitData, abi.BuiltinArrayInitElem:
		seg, o, d, s, n := u(0), args[1], u(2), u(3), u(4)
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		mem := h.Bytes()
		if b == abi.BuiltinArrayInitData {
			es := uint64(h.Type(h.TypeOf(o)).ElemSize)
			if seg >= uint64(len(st.inst.Datas)) {
				return abi.TrapMemoryOutOfBounds
			}
			data := st.inst.Datas[seg]
			if s+n*es > uint64(len(data)) {
				return abi.TrapMemoryOutOfBounds
			}
			copy(mem[o+gcheap.HeaderSize+d*es:], data[s:s+n*es])
			break
		}
		if seg >= uint64(len(st.inst.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		refs := st.inst.Elems[seg]
		if s+n > uint64(len(refs)) {
			return abi.TrapTableOutOfBounds
		}
		for i, r := range refs[s : s+n] {
			binary.LittleEndian.PutUint64(mem[o+gcheap.HeaderSize+(d+uint64(i))*8:], r)
		}
	case abi.BuiltinRefTest:
		w := args[0]
		args[0] = 0
		if st.refTest(h, w, u(1)) {
			args[0] = 1
		}
	}
	return abi.TrapNone
}

// gcTypeID is the store's id of module type index x.
func (st *instance) gcTypeID(x uint64) (uint32, bool) {
	ids := st.inst.GCTypes
	if x >= uint64(len(ids)) || ids[x] == 0 {
		return 0, false
	}
	return ids[x], true
}

// gcAlloc serves the allocating builtins: a new object of type id, filled
// as b says, or the allocation's trap.
func (st *instance) gcAlloc(h *gcheap.Heap, b abi.Builtin, id uint32, args *[abi.ExitArgWords]uint64) (uint64, abi.TrapCode) {
	if b == abi.BuiltinStructNew {
		o, err := h.NewStruct(id)
		return o, vm.GCTrap(err)
	}
	ti := h.Type(id)
	es := uint64(ti.ElemSize)
	var src []byte
	var refs []uint64
	n := uint64(uint32(args[1]))
	switch b {
	case abi.BuiltinArrayNewData, abi.BuiltinArrayNewElem:
		seg, s := uint64(uint32(args[1])), uint64(uint32(args[2]))
		n = uint64(uint32(args[3]))
		if b == abi.BuiltinArrayNewData {
			if seg >= uint64(len(st.inst.Datas)) || s+n*es > uint64(len(st.inst.Datas[seg])) {
				return 0, abi.TrapMemoryOutOfBounds
			}
			src = st.inst.Datas[seg][s : s+n*es]
		} else {
			if seg >= uint64(len(st.inst.Elems)) || s+n > uint64(len(st.inst.Elems[seg])) {
				return 0, abi.TrapTableOutOfBounds
			}
			refs = st.inst.Elems[seg][s : s+n]
		}
	}
	o, err := h.NewArray(id, uint32(n))
	if err != nil {
		return 0, vm.GCTrap(err)
	}
	mem := h.Bytes()
	switch b {
	case abi.BuiltinArrayNew:
		if lo, hi := args[2], args[3]; lo != 0 || hi != 0 {
			for i := range n {
				gcheap.StoreField(mem, o+gcheap.HeaderSize+i*es, ti.Elem.Type, lo, hi)
			}
		}
	case abi.BuiltinArrayNewData:
		copy(mem[o+gcheap.HeaderSize:], src)
	case abi.BuiltinArrayNewElem:
		for i, r := range refs {
			binary.LittleEndian.PutUint64(mem[o+gcheap.HeaderSize+uint64(i)*8:], r)
		}
	}
	return o, abi.TrapNone
}

// refTest decides BuiltinRefTest for reference w (an object, or for a
// function type a non-null function) against target.
func (st *instance) refTest(h *gcheap.Heap, w uint64, target uint64) bool {
	switch target {
	case abi.RefTestStruct, abi.RefTestArray:
		k := h.Type(h.TypeOf(w)).Kind
		return (k == wasm.CompStruct) == (target == abi.RefTestStruct)
	}
	m := st.mc.m
	if target >= uint64(len(m.Types)) {
		return false
	}
	if m.Types[target].Kind == wasm.CompFunc {
		f := st.refs.Decode(w)
		want := &m.Types[target].Func
		return f != nil && (f.Type == want || f.Type.SubtypeOf(want))
	}
	id, ok := st.gcTypeID(target)
	return ok && h.IsSubtype(h.TypeOf(w), id)
}
