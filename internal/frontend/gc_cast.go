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
// type, which has no subtypes, different fails; otherwise, and for the
// abstract struct and array, the runtime decides (abi.BuiltinRefTest)
// with the heap's subtype displays.

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
	var slow *ssa.Block // the runtime's check, when one is needed
	if target >= abi.RefTestStruct {
		slow = b.CreateBlock()
		b.Brif(guard, slow, nil, join, []ssa.Value{onNull})
		b.SealBlock(slow)
	} else {
		// A concrete type: the exact type id passes at once; a final type
		// has no subtypes, so any other fails; otherwise the runtime
		// decides (a subtype's id differs).
		exact := b.CreateBlock()
		b.Brif(guard, exact, nil, join, []ssa.Value{onNull})
		b.SealBlock(exact)
		b.SwitchToBlock(exact)
		var id, want ssa.Value
		if t.m.Types[target].Kind == wasm.CompFunc {
			id = b.Load(ssa.OpLoad, ssa.I32, ref, abi.FuncDescTypeID, refField)
			want = b.Load(ssa.OpLoad, ssa.I32, t.ctxLoad(abi.CtxTypeIDs, fixedField), int32(target)*4, fixedField)
		} else {
			id = b.Load(ssa.OpLoad, ssa.I32, t.objectAddr(ref), 0, gcField)
			want = t.gcTypeID(target)
		}
		same := b.Icmp(ssa.IntEQ, id, want)
		if t.m.Types[target].Final {
			b.Jump(join, same)
		} else {
			slow = b.CreateBlock()
			b.Brif(same, join, []ssa.Value{b.Iconst(ssa.I32, 1)}, slow, nil)
			b.SealBlock(slow)
		}
	}
	if slow != nil {
		b.SwitchToBlock(slow)
		ok := t.callBuiltin(abi.BuiltinRefTest, []ssa.Type{ssa.I32}, ref, t.i32c(target))[0]
		b.Jump(join, ok)
	}
	b.SealBlock(join)
	b.SwitchToBlock(join)
	return res
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
