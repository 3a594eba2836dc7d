package compiler

import (
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

// gcBuiltin performs GC builtin b, returning a trap code or TrapNone. The
// operations whose time grows with an operand (up to the heap's size) run
// in chunks with check between them, like the bulk memory and table
// builtins: it lets the Go runtime in and stops an interrupted run.
func (st *instance) gcBuiltin(b abi.Builtin, args *[abi.ExitArgWords]uint64, check func() abi.TrapCode) abi.TrapCode {
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
		o, tc := st.gcAlloc(h, b, id, args, check)
		store.PopTempRoots()
		args[0] = o
		return tc
	case abi.BuiltinArrayFill:
		o, d, n := args[0], u(1), u(4)
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		if n == 0 {
			break
		}
		// Every element gets the same bytes: the first is stored, the rest
		// copied from it at memmove's speed.
		ti := h.Type(h.TypeOf(o))
		mem, es := h.Bytes(), uint64(ti.ElemSize)
		at := o + gcheap.HeaderSize + d*es
		gcheap.StoreField(mem, at, ti.Elem.Type, args[2], args[3])
		return vm.FillPattern(mem[at:at+n*es], int(es), check)
	case abi.BuiltinArrayCopy:
		dst, d, src, s, n := args[0], u(1), args[2], u(3), u(4)
		if d+n > uint64(h.ArrayLen(dst)) || s+n > uint64(h.ArrayLen(src)) {
			return abi.TrapArrayOutOfBounds
		}
		es := uint64(h.Type(h.TypeOf(dst)).ElemSize)
		mem := h.Bytes()
		to, from := dst+gcheap.HeaderSize+d*es, src+gcheap.HeaderSize+s*es
		return vm.CopyBytes(mem[to:to+n*es], mem[from:from+n*es], to > from, check)
	case abi.BuiltinArrayInitData, abi.BuiltinArrayInitElem:
		seg, o, d, s, n := u(0), args[1], u(2), u(3), u(4)
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		mem := h.Bytes()
		if b == abi.BuiltinArrayInitData {
			es := uint64(h.Type(h.TypeOf(o)).ElemSize)
			if seg >= uint64(len(st.inst.Datas())) {
				return abi.TrapMemoryOutOfBounds
			}
			data := st.inst.Datas()[seg]
			if s+n*es > uint64(len(data)) {
				return abi.TrapMemoryOutOfBounds
			}
			to := o + gcheap.HeaderSize + d*es
			return vm.CopyBytes(mem[to:to+n*es], data[s:s+n*es], false, check)
		}
		if seg >= uint64(len(st.inst.Elems())) {
			return abi.TrapTableOutOfBounds
		}
		refs := st.inst.Elems()[seg]
		if s+n > uint64(len(refs)) {
			return abi.TrapTableOutOfBounds
		}
		to := o + gcheap.HeaderSize + d*8
		return vm.PutWords(mem[to:to+n*8], refs[s:s+n], check)
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
	ids := st.inst.GCTypes()
	if x >= uint64(len(ids)) || ids[x] == 0 {
		return 0, false
	}
	return ids[x], true
}

// gcAlloc serves the allocating builtins: a new object of type id, filled
// as b says (in chunks with check between them), or the allocation's trap.
func (st *instance) gcAlloc(h *gcheap.Heap, b abi.Builtin, id uint32, args *[abi.ExitArgWords]uint64, check func() abi.TrapCode) (uint64, abi.TrapCode) {
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
			if seg >= uint64(len(st.inst.Datas())) || s+n*es > uint64(len(st.inst.Datas()[seg])) {
				return 0, abi.TrapMemoryOutOfBounds
			}
			src = st.inst.Datas()[seg][s : s+n*es]
		} else {
			if seg >= uint64(len(st.inst.Elems())) || s+n > uint64(len(st.inst.Elems()[seg])) {
				return 0, abi.TrapTableOutOfBounds
			}
			refs = st.inst.Elems()[seg][s : s+n]
		}
	}
	o, err := h.NewArray(id, uint32(n))
	if err != nil {
		return 0, vm.GCTrap(err)
	}
	mem := h.Bytes()
	switch b {
	case abi.BuiltinArrayNew:
		if lo, hi := args[2], args[3]; n > 0 && (lo != 0 || hi != 0) {
			at := o + gcheap.HeaderSize
			gcheap.StoreField(mem, at, ti.Elem.Type, lo, hi)
			return o, vm.FillPattern(mem[at:at+n*es], int(es), check)
		}
	case abi.BuiltinArrayNewData:
		at := o + gcheap.HeaderSize
		return o, vm.CopyBytes(mem[at:at+uint64(len(src))], src, false, check)
	case abi.BuiltinArrayNewElem:
		at := o + gcheap.HeaderSize
		return o, vm.PutWords(mem[at:at+n*8], refs, check)
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
		f := st.refs().Decode(w)
		want := &m.Types[target].Func
		return f != nil && (f.Type == want || f.Type.SubtypeOf(want))
	}
	id, ok := st.gcTypeID(target)
	return ok && h.IsSubtype(h.TypeOf(w), id)
}
