package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Arrays: an array's header holds its type id and, in its high half, its
// length; elements follow the header at their storage size. array.new,
// array.new_default and array.new_fixed allocate inline when the array is
// small (gcheap.MaxSmall) and fits the current hole, else through the
// runtime, as do array.new_data and array.new_elem; the bulk operations
// (fill, copy, init_data, init_elem) are runtime builtins; array.get*, array.set and array.len are inline, with the null
// check and an unsigned bounds check against the header's length.

// arrayLenOffset is where the 32-bit length lies in an array's header.
const arrayLenOffset = 4

// elemType is array type typeIndex's element storage type.
func (t *translator) elemType(typeIndex uint32) wasm.ValType {
	return t.m.Types[typeIndex].Fields[0].Type
}

func (t *translator) arrayNew(in *wasm.Instr) {
	b := t.b
	zero := func() ssa.Value { return b.Iconst(ssa.I64, 0) }
	switch in.Op {
	case wasm.OpArrayNew:
		n, v := t.pop(), t.pop()
		ref := t.arrayAlloc(in.X, n, func() ssa.Value {
			lo, hi := t.valueWords(v)
			return t.gcAlloc(abi.BuiltinArrayNew, t.i32c(in.X), n, lo, hi)
		}, v)
		t.push(ref)
	case wasm.OpArrayNewDefault:
		n := t.pop()
		t.push(t.arrayAlloc(in.X, n, func() ssa.Value {
			return t.gcAlloc(abi.BuiltinArrayNew, t.i32c(in.X), n, zero(), zero())
		}, ssa.NoValue))
	case wasm.OpArrayNewFixed:
		// The values stay live across the allocation, in the frame.
		vals := t.popN(int(in.Y))
		n := t.i32c(in.Y)
		ref := t.arrayAlloc(in.X, n, func() ssa.Value {
			return t.gcAlloc(abi.BuiltinArrayNew, t.i32c(in.X), n, zero(), zero())
		}, ssa.NoValue)
		if len(vals) > 0 {
			et := t.elemType(in.X)
			es := int32(gcheap.StorageSize(et))
			addr := t.objectAddr(ref)
			for i, v := range vals {
				t.fieldStore(et, v, addr, gcheap.HeaderSize+int32(i)*es)
			}
		}
		t.push(ref)
	case wasm.OpArrayNewData, wasm.OpArrayNewElem:
		n, s := t.pop(), t.pop()
		r := abi.BuiltinArrayNewData
		if in.Op == wasm.OpArrayNewElem {
			r = abi.BuiltinArrayNewElem
		}
		t.push(t.gcAlloc(r, t.i32c(in.X), t.i32c(in.Y), s, n))
	}
}

// arrayAlloc allocates an array of type typeIndex with n (an i32)
// elements: inline when it is small and fits the hole, its elements then
// set to fill (unless NoValue: zero), else through slow, which fills it.
func (t *translator) arrayAlloc(typeIndex uint32, n ssa.Value, slow func() ssa.Value, fill ssa.Value) ssa.Value {
	b := t.b
	es := int64(gcheap.StorageSize(t.elemType(typeIndex)))
	n64 := b.Uextend(n)
	// size = (8 + n*es + 7) &^ 7; at most gcheap.MaxSmall when small.
	size := b.Band(b.Iadd(b.Imul(n64, b.Iconst(ssa.I64, es)), b.Iconst(ssa.I64, gcheap.HeaderSize+7)), b.Iconst(ssa.I64, ^7))
	small := b.Icmp(ssa.IntULE, n64, b.Iconst(ssa.I64, (gcheap.MaxSmall-gcheap.HeaderSize)/es))
	hdr := b.Bor(b.Uextend(t.gcTypeID(typeIndex)), b.Ishl(n64, b.Iconst(ssa.I64, 32)))
	var init func(ssa.Value)
	if fill != ssa.NoValue {
		init = func(ref ssa.Value) { t.fillElems(t.elemType(typeIndex), ref, n64, fill) }
	}
	return t.allocInline(size, hdr, small, init, slow)
}

// fillElems stores v into the n (an i64) elements of storage type et of
// the new array ref: a loop of at most gcheap.MaxSmall iterations (no poll
// needed).
func (t *translator) fillElems(et wasm.ValType, ref, n, v ssa.Value) {
	b := t.b
	es := int64(gcheap.StorageSize(et))
	first := b.Iadd(t.objectAddr(ref), b.Iconst(ssa.I64, gcheap.HeaderSize))
	head, body, done := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	i := b.AppendBlockParam(head, ssa.I64)
	b.Jump(head, b.Iconst(ssa.I64, 0))
	b.SwitchToBlock(head)
	b.Brif(b.Icmp(ssa.IntULT, i, n), body, nil, done, nil)
	b.SealBlock(body)
	b.SealBlock(done)
	b.SwitchToBlock(body)
	t.fieldStore(et, v, b.Iadd(first, b.Imul(i, b.Iconst(ssa.I64, es))), 0)
	b.Jump(head, b.Iadd(i, b.Iconst(ssa.I64, 1)))
	b.SealBlock(head)
	b.SwitchToBlock(done)
}

// elemAddress checks ref for null and idx against its length, and
// returns the address of element idx (of es bytes) less the header size.
func (t *translator) elemAddress(ref, idx ssa.Value, es int) ssa.Value {
	b := t.b
	b.Trapz(ref, abi.TrapNullArrayReference)
	addr := t.objectAddr(ref)
	n := b.Load(ssa.OpLoad, ssa.I32, addr, arrayLenOffset, gcField)
	b.Trapnz(b.Icmp(ssa.IntUGE, idx, n), abi.TrapArrayOutOfBounds)
	off := b.Uextend(idx)
	if es > 1 {
		off = b.Imul(off, b.Iconst(ssa.I64, int64(es)))
	}
	return b.Iadd(addr, off)
}

func (t *translator) arrayAccess(in *wasm.Instr) {
	et := t.elemType(in.X)
	es := int(gcheap.StorageSize(et))
	switch in.Op {
	case wasm.OpArraySet:
		v, idx, ref := t.pop(), t.pop(), t.pop()
		t.fieldStore(et, v, t.elemAddress(ref, idx, es), gcheap.HeaderSize)
	default:
		idx, ref := t.pop(), t.pop()
		t.push(t.fieldLoad(et, t.elemAddress(ref, idx, es), gcheap.HeaderSize, in.Op == wasm.OpArrayGetS))
	}
}

func (t *translator) arrayLen() {
	ref := t.pop()
	t.b.Trapz(ref, abi.TrapNullArrayReference)
	t.push(t.b.Load(ssa.OpLoad, ssa.I32, t.objectAddr(ref), arrayLenOffset, gcField))
}

// arrayBulk translates array.fill, array.copy, array.init_data and
// array.init_elem: null checks here, bounds and the work in the runtime.
func (t *translator) arrayBulk(in *wasm.Instr) {
	b := t.b
	switch in.Op {
	case wasm.OpArrayFill:
		n, v, d, ref := t.pop(), t.pop(), t.pop(), t.pop()
		b.Trapz(ref, abi.TrapNullArrayReference)
		lo, hi := t.valueWords(v)
		t.callBuiltin(abi.BuiltinArrayFill, nil, ref, d, lo, hi, n)
	case wasm.OpArrayCopy:
		ops := t.popN(5)
		dst, d, src, s, n := ops[0], ops[1], ops[2], ops[3], ops[4]
		b.Trapz(dst, abi.TrapNullArrayReference)
		b.Trapz(src, abi.TrapNullArrayReference)
		t.callBuiltin(abi.BuiltinArrayCopy, nil, dst, d, src, s, n)
	case wasm.OpArrayInitData, wasm.OpArrayInitElem:
		ops := t.popN(4)
		ref, d, s, n := ops[0], ops[1], ops[2], ops[3]
		b.Trapz(ref, abi.TrapNullArrayReference)
		r := abi.BuiltinArrayInitData
		if in.Op == wasm.OpArrayInitElem {
			r = abi.BuiltinArrayInitElem
		}
		t.callBuiltin(r, nil, t.i32c(in.Y), ref, d, s, n)
	}
}
