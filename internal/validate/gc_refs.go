package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// gcOp validates an instruction of garbage collection.
func (v *validator) gcOp(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpStructNew, wasm.OpStructNewDefault, wasm.OpStructGet, wasm.OpStructGetS, wasm.OpStructGetU,
		wasm.OpStructSet:
		return v.structOp(in)
	case wasm.OpRefTest, wasm.OpRefTestNull, wasm.OpRefCast, wasm.OpRefCastNull:
		return v.refTestCast(in)
	case wasm.OpBrOnCast, wasm.OpBrOnCastFail:
		return v.brOnCast(in)
	case wasm.OpAnyConvertExtern, wasm.OpExternConvertAny:
		from, to := wasm.HeapExtern, wasm.HeapAny
		if in.Op == wasm.OpExternConvertAny {
			from, to = to, from
		}
		t, err := v.popExpect(wasm.RefType(true, from))
		if err != nil {
			return err
		}
		v.push(wasm.RefType(t != unknown && t.Nullable(), to))
	case wasm.OpRefI31:
		if _, err := v.popExpect(wasm.I32); err != nil {
			return err
		}
		v.push(wasm.RefType(false, wasm.HeapI31))
	case wasm.OpI31GetS, wasm.OpI31GetU:
		if _, err := v.popExpect(wasm.I31Ref); err != nil {
			return err
		}
		v.push(wasm.I32)
	case wasm.OpRefEq:
		if err := v.popVals([]wasm.ValType{wasm.EqRef, wasm.EqRef}); err != nil {
			return err
		}
		v.push(wasm.I32)
	default:
		return v.arrayOp(in)
	}
	return nil
}

// refTestCast validates ref.test and ref.cast (and their _null forms): the
// operand must be a reference of the tested type's hierarchy.
func (v *validator) refTestCast(in *wasm.Instr) error {
	rt := in.Type
	if err := v.bodyValType(rt); err != nil {
		return err
	}
	top := wasm.RefType(true, v.m.TopHeap(rt.Heap()))
	if _, err := v.popExpect(top); err != nil {
		return err
	}
	if in.Op == wasm.OpRefTest || in.Op == wasm.OpRefTestNull {
		v.push(wasm.I32)
	} else {
		v.push(rt)
	}
	return nil
}

// brOnCast validates br_on_cast and br_on_cast_fail: the target type rt2
// must match the source type rt1, and the label must accept what the
// branch passes (rt2, or rt1 without rt2 for the _fail form).
func (v *validator) brOnCast(in *wasm.Instr) error {
	if len(in.Types) != 2 {
		return v.malformed("%s needs two reference types", in.Op)
	}
	rt1, rt2 := in.Types[0], in.Types[1]
	if err := v.bodyValType(rt1); err != nil {
		return err
	}
	if err := v.bodyValType(rt2); err != nil {
		return err
	}
	if !v.m.Match(rt2, rt1) {
		return v.fail("type mismatch: %s target type %s does not match source type %s", in.Op, rt2, rt1)
	}
	f, err := v.label(in.X)
	if err != nil {
		return err
	}
	lt := f.labelTypes()
	if len(lt) == 0 {
		return v.fail("type mismatch: %s needs a label whose last type is a reference, label has []", in.Op)
	}
	diff := rt1
	if rt2.Nullable() {
		diff = rt1.AsNonNull()
	}
	passed, kept := rt2, diff
	if in.Op == wasm.OpBrOnCastFail {
		passed, kept = diff, rt2
	}
	if !v.matches(passed, lt[len(lt)-1]) {
		return v.fail("type mismatch: %s passes %s to a label of %s", in.Op, passed, typeName(lt[len(lt)-1]))
	}
	if _, err := v.popExpect(rt1); err != nil {
		return err
	}
	rest := lt[:len(lt)-1]
	if err := v.popVals(rest); err != nil {
		return err
	}
	v.pushVals(rest)
	v.push(kept)
	return nil
}
