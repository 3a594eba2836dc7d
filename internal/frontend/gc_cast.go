package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Casts, i31 and reference equality. ref.test, ref.cast, br_on_cast and
// br_on_cast_fail share refTest: null, the top and bottom types, eq and
// i31 are decided inline from the word's low bits (docs/gc.md: an object
// is a non-zero multiple of 8, an i31 has bit 0 set, a host value ends in
// 10). A concrete type compares the object's type id (or a function's,
// from its descriptor) with the target's: equal passes, and for a final
// type, which has no subtypes, different fails; otherwise the object's
// display, in the heap's display table (abi.GCDisplay*), holds the target
// at the target's depth exactly when it is a subtype, as in Wasmtime and
// V8. The abstract struct and array read the kind from the same table.
// Only non-final function types and targets deeper than the table go to
// the runtime (abi.BuiltinRefTest).

// refTest is 1 when ref passes a cast to rt, else 0 (an i32).
func (t *translator) refTest(ref ssa.Value, rt wasm.ValType) ssa.Value {
	b := t.b
	zero := b.Iconst(ssa.I64, 0)
	isNull := b.Icmp(ssa.IntEQ, ref, zero)
	nonNull := b.Icmp(ssa.IntNE, ref, zero)
	// onNull is the answer's null part: 1 for null when rt is nullable.
	onNull := b.Iconst(ssa.I32, 0)
	if rt.Nullable() {
		onNull = isNull
	}
	lowBits := func(mask, want int64) ssa.Value {
		return b.Icmp(ssa.IntEQ, b.Band(ref, b.Iconst(ssa.I64, mask)), b.Iconst(ssa.I64, want))
	}
	h := rt.Heap()
	switch h {
	case wasm.HeapAny, wasm.HeapFunc, wasm.HeapExtern, wasm.HeapExn:
		return b.Bor(nonNull, onNull)
	case wasm.HeapNone, wasm.HeapNoFunc, wasm.HeapNoExtern, wasm.HeapNoExn:
		return onNull
	case wasm.HeapI31:
		return b.Bor(lowBits(1, 1), onNull)
	case wasm.HeapEq:
		object := b.Band(nonNull, lowBits(7, 0))
		return b.Bor(b.Bor(lowBits(1, 1), object), onNull)
	}
	target := uint32(abi.RefTestStruct)
	guard := b.Band(nonNull, lowBits(7, 0))
	switch h {
	case wasm.HeapArray:
		target = abi.RefTestArray
	case wasm.HeapStruct:
	default:
		target = h.Index()
		if t.m.Types[target].Kind == wasm.CompFunc {
			guard = nonNull
		}
	}
	join := b.CreateBlock()
	res := b.AppendBlockParam(join, ssa.I32)
	obj := b.CreateBlock()
	b.Brif(guard, obj, nil, join, []ssa.Value{onNull})
	b.SealBlock(obj)
	b.SwitchToBlock(obj)
	switch {
	case target >= abi.RefTestStruct:
		// Any struct (array): the kind word of the object's display entry.
		kind := int64(abi.GCKindStruct)
		if target == abi.RefTestArray {
			kind = abi.GCKindArray
		}
		k := b.Load(ssa.OpLoad, ssa.I32, t.displayEntry(ref), abi.GCDisplayKind*4, gcField)
		b.Jump(join, b.Icmp(ssa.IntEQ, k, b.Iconst(ssa.I32, kind)))
	case t.m.Types[target].Kind == wasm.CompFunc:
		// A function type: the descriptor's canonical id; a subtype's
		// differs, and the runtime decides unless the type is final.
		id := b.Load(ssa.OpLoad, ssa.I32, ref, abi.FuncDescTypeID, refField)
		want := b.Load(ssa.OpLoad, ssa.I32, t.ctxLoad(abi.CtxTypeIDs, fixedField), int32(target)*4, fixedField)
		same := b.Icmp(ssa.IntEQ, id, want)
		if t.m.Types[target].Final {
			b.Jump(join, same)
			break
		}
		slow := b.CreateBlock()
		b.Brif(same, join, []ssa.Value{b.Iconst(ssa.I32, 1)}, slow, nil)
		b.SealBlock(slow)
		b.SwitchToBlock(slow)
		b.Jump(join, t.callBuiltin(abi.BuiltinRefTest, []ssa.Type{ssa.I32}, ref, t.i32c(target))[0])
	default:
		t.structArrayTest(ref, target, join)
	}
	b.SealBlock(join)
	b.SwitchToBlock(join)
	return res
}

// structArrayTest ends the current block with a jump to join carrying
// whether object ref's type is struct or array type target or a subtype:
// the exact id passes at once; else a final target (no subtypes) fails,
// and another is a subtype exactly when the object's display holds the
// target at the target's depth (store-independent: the depth is the
// module's), read from the heap's display table; a target deeper than
// the table keeps asks the runtime.
func (t *translator) structArrayTest(ref ssa.Value, target uint32, join *ssa.Block) {
	b := t.b
	id := b.Load(ssa.OpLoad, ssa.I32, t.objectAddr(ref), 0, gcField)
	want := t.gcTypeID(target)
	same := b.Icmp(ssa.IntEQ, id, want)
	if t.m.Types[target].Final {
		b.Jump(join, same)
		return
	}
	other := b.CreateBlock()
	b.Brif(same, join, []ssa.Value{b.Iconst(ssa.I32, 1)}, other, nil)
	b.SealBlock(other)
	b.SwitchToBlock(other)
	if d := typeDepth(t.m, target); d <= abi.GCDisplayMaxDepth {
		entry := t.displayEntryOf(id)
		super := b.Load(ssa.OpLoad, ssa.I32, entry, int32(abi.GCDisplaySupers+d)*4, gcField)
		b.Jump(join, b.Icmp(ssa.IntEQ, super, want))
		return
	}
	b.Jump(join, t.callBuiltin(abi.BuiltinRefTest, []ssa.Type{ssa.I32}, ref, t.i32c(target))[0])
}

// typeDepth is the depth of type index x in its subtype hierarchy (0 for
// a type without a supertype): the same in every store.
func typeDepth(m *wasm.Module, x uint32) int {
	d := 0
	for len(m.Types[x].Supers) > 0 && d <= len(m.Types) {
		x = m.Types[x].Supers[0]
		d++
	}
	return d
}

// displayEntry is the address of object ref's entry in the display table.
func (t *translator) displayEntry(ref ssa.Value) ssa.Value {
	return t.displayEntryOf(t.b.Load(ssa.OpLoad, ssa.I32, t.objectAddr(ref), 0, gcField))
}

// displayEntryOf is the address of type id's entry (id an i32).
func (t *translator) displayEntryOf(id ssa.Value) ssa.Value {
	b := t.b
	off := b.Imul(b.Uextend(id), b.Iconst(ssa.I64, abi.GCDisplayWords*4))
	return b.Iadd(t.ctxLoad(abi.CtxGCDisplays, liveField), off)
}

// cast translates ref.test, ref.test null, ref.cast and ref.cast null.
func (t *translator) cast(in *wasm.Instr) {
	ref := t.pop()
	ok := t.refTest(ref, in.Type)
	switch in.Op {
	case wasm.OpRefTest, wasm.OpRefTestNull:
		t.push(ok)
	default:
		t.b.Trapz(ok, abi.TrapCastFailure)
		t.push(ref)
	}
}

// brOnCast translates br_on_cast and br_on_cast_fail: branch with the
// reference when the cast to the second type succeeds (fails).
func (t *translator) brOnCast(in *wasm.Instr) error {
	b := t.b
	ref := t.stack[len(t.stack)-1]
	ok := t.refTest(ref, in.Types[1])
	if in.Op == wasm.OpBrOnCastFail {
		ok = b.Icmp(ssa.IntEQ, ok, b.Iconst(ssa.I32, 0))
	}
	return t.branchIf(ok, in.X, nil)
}

// i31 translates ref.i31, i31.get_s and i31.get_u: an i31 word is
// value<<1 | 1 in its low 32 bits, its high half zero.
func (t *translator) i31(in *wasm.Instr) {
	b := t.b
	x := t.pop()
	one := b.Iconst(ssa.I32, 1)
	switch in.Op {
	case wasm.OpRefI31:
		t.push(b.Uextend(b.Bor(b.Ishl(x, one), one)))
	case wasm.OpI31GetS:
		b.Trapz(x, abi.TrapNullI31Reference)
		t.push(b.Sshr(b.Ireduce(x), one))
	case wasm.OpI31GetU:
		b.Trapz(x, abi.TrapNullI31Reference)
		t.push(b.Ushr(b.Ireduce(x), one))
	}
}

// gc translates the garbage-collection instructions.
func (t *translator) gc(in *wasm.Instr) error {
	switch op := in.Op; {
	case op == wasm.OpStructNew || op == wasm.OpStructNewDefault:
		t.structNew(in)
	case op >= wasm.OpStructGet && op <= wasm.OpStructGetU:
		t.structGet(in)
	case op == wasm.OpStructSet:
		t.structSet(in)
	case op >= wasm.OpArrayNew && op <= wasm.OpArrayNewElem:
		t.arrayNew(in)
	case op >= wasm.OpArrayGet && op <= wasm.OpArraySet:
		t.arrayAccess(in)
	case op == wasm.OpArrayLen:
		t.arrayLen()
	case op >= wasm.OpArrayFill && op <= wasm.OpArrayInitElem:
		t.arrayBulk(in)
	case op >= wasm.OpRefTest && op <= wasm.OpRefCastNull:
		t.cast(in)
	case op == wasm.OpBrOnCast || op == wasm.OpBrOnCastFail:
		return t.brOnCast(in)
	case op == wasm.OpAnyConvertExtern || op == wasm.OpExternConvertAny:
		// One word in both hierarchies (docs/gc.md): nothing to do.
	case op >= wasm.OpRefI31 && op <= wasm.OpI31GetU:
		t.i31(in)
	case op == wasm.OpRefEq:
		y, x := t.pop(), t.pop()
		t.push(t.b.Icmp(ssa.IntEQ, x, y))
	default:
		return wasm.Unsupportedf(wasm.FeatureGC, in.Offset, "%s: not a garbage-collection instruction the compiler knows", op)
	}
	return nil
}
