package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// reference validates ref.null, ref.is_null, ref.func and the typed
// reference instructions ref.as_non_null, br_on_null and br_on_non_null.
func (v *validator) reference(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpRefNull:
		if !in.Type.IsRef() || !in.Type.Valid() {
			return v.malformed("malformed reference type")
		}
		if err := v.bodyValType(in.Type); err != nil {
			return err
		}
		v.push(in.Type)
	case wasm.OpRefIsNull:
		if _, err := v.popRef("ref.is_null"); err != nil {
			return err
		}
		v.push(wasm.I32)
	case wasm.OpRefFunc:
		if in.X >= uint32(len(v.funcTypes)) {
			return v.fail("unknown function %d", in.X)
		}
		if !v.isDeclared(in.X) {
			return v.fail("undeclared function reference %d", in.X)
		}
		v.push(wasm.RefType(false, wasm.HeapType(v.funcTypeX[in.X])))
	case wasm.OpRefAsNonNull:
		t, err := v.popRef("ref.as_non_null")
		if err != nil {
			return err
		}
		v.push(t.AsNonNull())
	case wasm.OpBrOnNull:
		f, err := v.label(in.X)
		if err != nil {
			return err
		}
		t, err := v.popRef("br_on_null")
		if err != nil {
			return err
		}
		lt := f.labelTypes()
		if err := v.popVals(lt); err != nil {
			return err
		}
		v.pushVals(lt)
		v.push(t.AsNonNull())
	case wasm.OpBrOnNonNull:
		f, err := v.label(in.X)
		if err != nil {
			return err
		}
		lt := f.labelTypes()
		if len(lt) == 0 || !isRef(lt[len(lt)-1]) {
			return v.fail("type mismatch: br_on_non_null requires a label whose last type is a reference, label has [%s]", typeList(lt))
		}
		t, err := v.popRef("br_on_non_null")
		if err != nil {
			return err
		}
		if !v.matches(t.AsNonNull(), lt[len(lt)-1]) {
			return v.fail("type mismatch: br_on_non_null passes %s to a label of %s", t.AsNonNull(), lt[len(lt)-1])
		}
		rest := lt[:len(lt)-1]
		if err := v.popVals(rest); err != nil {
			return err
		}
		v.pushVals(rest)
	}
	return nil
}
