package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Structs: struct.new* allocate inline in the current hole, or through the
// runtime when it is full (abi.BuiltinStructNew, a zeroed object), and
// store the fields; struct.get* and
// struct.set check for null and access the field at its static offset.

func (t *translator) structNew(in *wasm.Instr) {
	fields, offs := t.structLayout(in.X)
	var vals []ssa.Value
	if in.Op == wasm.OpStructNew {
		vals = t.popN(len(fields))
	}
	// The field values stay live across the allocation, in the frame,
	// where a collection the slow path makes finds them.
	slow := func() ssa.Value { return t.gcAlloc(abi.BuiltinStructNew, t.i32c(in.X)) }
	var ref ssa.Value
	if _, size := gcheap.StructLayout(fields); size <= gcheap.MaxSmall {
		hdr := t.b.Uextend(t.gcTypeID(in.X))
		ref = t.allocInline(t.b.Iconst(ssa.I64, int64(size)), hdr, ssa.NoValue, nil, slow)
	} else {
		ref = slow()
	}
	if len(vals) > 0 {
		addr := t.objectAddr(ref)
		for i, f := range fields {
			t.fieldStore(f.Type, vals[i], addr, int32(offs[i]))
		}
	}
	t.push(ref)
}

func (t *translator) structGet(in *wasm.Instr) {
	fields, offs := t.structLayout(in.X)
	ref := t.pop()
	t.b.Trapz(ref, abi.TrapNullStructReference)
	t.push(t.fieldLoad(fields[in.Y].Type, t.objectAddr(ref), int32(offs[in.Y]), in.Op == wasm.OpStructGetS))
}

func (t *translator) structSet(in *wasm.Instr) {
	fields, offs := t.structLayout(in.X)
	v, ref := t.pop(), t.pop()
	t.b.Trapz(ref, abi.TrapNullStructReference)
	t.fieldStore(fields[in.Y].Type, v, t.objectAddr(ref), int32(offs[in.Y]))
}
