package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Garbage collection: how compiled code reaches the store's GC heap
// (docs/gc.md). A reference to an object is the offset of its header in
// the heap, whose base address is the context word abi.CtxGCBase; field
// offsets come from gcheap.StructLayout, which depends on the type alone.
// Allocation, the bulk array operations and the casts that need the
// store's type table are runtime builtins; field and element accesses,
// null and bounds checks, i31 and the abstract casts are inline.
//
// Heap loads are notrap (a non-null reference of a struct or array type
// is an object of that type or a subtype, whose layout begins like it)
// but never readonly: a readonly load is pure and may be hoisted above the
// null check that guards it, and the base itself is 0 until the store's
// first allocation.

// gcField is the heap's notrap flag set (see above).
const gcField = ssa.MemNoTrap

// objectAddr is the address of the object that non-null ref names.
func (t *translator) objectAddr(ref ssa.Value) ssa.Value {
	return t.b.Iadd(t.ctxLoad(abi.CtxGCBase, liveField), ref)
}

// fieldLoad reads a field or element of storage type st at addr+off as
// its value type (packed types as i32, sign-extended when signed).
func (t *translator) fieldLoad(st wasm.ValType, addr ssa.Value, off int32, signed bool) ssa.Value {
	b := t.b
	switch st {
	case wasm.PackedI8:
		if signed {
			return b.Load(ssa.OpSload8, ssa.I32, addr, off, gcField)
		}
		return b.Load(ssa.OpUload8, ssa.I32, addr, off, gcField)
	case wasm.PackedI16:
		if signed {
			return b.Load(ssa.OpSload16, ssa.I32, addr, off, gcField)
		}
		return b.Load(ssa.OpUload16, ssa.I32, addr, off, gcField)
	}
	vt, _ := valueType(st)
	return b.Load(ssa.OpLoad, vt, addr, off, gcField)
}

// fieldStore writes v to a field or element of storage type st at
// addr+off (packed types keep v's low bits).
func (t *translator) fieldStore(st wasm.ValType, v, addr ssa.Value, off int32) {
	switch st {
	case wasm.PackedI8:
		t.b.Store(ssa.OpIstore8, v, addr, off, gcField)
	case wasm.PackedI16:
		t.b.Store(ssa.OpIstore16, v, addr, off, gcField)
	default:
		t.b.Store(ssa.OpStore, v, addr, off, gcField)
	}
}

// gcAlloc calls allocating builtin r, whose result is the new object.
func (t *translator) gcAlloc(r abi.Builtin, args ...ssa.Value) ssa.Value {
	return t.callBuiltin(r, []ssa.Type{ssa.I64}, args...)[0]
}

// valueWords splits v into the two i64 words a builtin takes for a field
// value: the value zero-extended (floats as their bits) and, for a v128,
// its high half.
func (t *translator) valueWords(v ssa.Value) (lo, hi ssa.Value) {
	b := t.b
	zero := b.Iconst(ssa.I64, 0)
	switch t.f.ValueType(v) {
	case ssa.I32:
		return b.Uextend(v), zero
	case ssa.F32:
		return b.Uextend(b.Convert(ssa.OpBitcast, ssa.I32, v)), zero
	case ssa.F64:
		return b.Convert(ssa.OpBitcast, ssa.I64, v), zero
	case ssa.V128:
		return b.VectorLane(ssa.OpExtractlane, ssa.I64x2, 0, v), b.VectorLane(ssa.OpExtractlane, ssa.I64x2, 1, v)
	}
	return v, zero
}

// i32c is an i32 constant.
func (t *translator) i32c(x uint32) ssa.Value { return t.b.Iconst(ssa.I32, int64(x)) }

// structLayout is struct type typeIndex's field offsets.
func (t *translator) structLayout(typeIndex uint32) ([]wasm.FieldType, []uint32) {
	fields := t.m.Types[typeIndex].Fields
	offs, _ := gcheap.StructLayout(fields)
	return fields, offs
}

// allocInline allocates an object of size bytes (an i64, a multiple of 8
// and at most gcheap.MaxSmall when small is 1) with header hdr in the
// current hole (abi.CtxGCCursor, CtxGCEnd), then runs init (when set) on
// it; or it calls slow when the object does not fit or small is 0 (small
// may be NoValue: always small). The hole is already zeroed, so the header
// is all there is to write.
func (t *translator) allocInline(size, hdr, small ssa.Value, init func(ref ssa.Value), slow func() ssa.Value) ssa.Value {
	b := t.b
	cur := t.ctxLoad(abi.CtxGCCursor, liveField)
	end := b.Iadd(cur, size)
	over := b.Icmp(ssa.IntUGT, end, t.ctxLoad(abi.CtxGCEnd, liveField))
	if small != ssa.NoValue {
		over = b.Bor(over, b.Icmp(ssa.IntEQ, small, b.Iconst(ssa.I32, 0)))
	}
	fast, slowBlk, join := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	ref := b.AppendBlockParam(join, ssa.I64)
	b.Brif(over, slowBlk, nil, fast, nil)
	b.SealBlock(fast)
	b.SealBlock(slowBlk)

	b.SwitchToBlock(fast)
	b.Store(ssa.OpStore, end, t.ctx, abi.CtxGCCursor, liveField)
	b.Store(ssa.OpStore, hdr, t.objectAddr(cur), 0, gcField)
	if init != nil {
		init(cur)
	}
	b.Jump(join, cur)

	b.SwitchToBlock(slowBlk)
	b.Jump(join, slow())

	b.SealBlock(join)
	b.SwitchToBlock(join)
	return ref
}

// gcTypeID is the store's id of module type typeIndex (an i32), from the
// instance's id table (abi.CtxGCTypes).
func (t *translator) gcTypeID(typeIndex uint32) ssa.Value {
	ids := t.ctxLoad(abi.CtxGCTypes, fixedField)
	return t.b.Load(ssa.OpLoad, ssa.I32, ids, int32(typeIndex)*4, fixedField)
}
