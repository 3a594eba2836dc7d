package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// exnRef is the non-null exception reference a catch_ref hands its label.
var exnRef = wasm.RefType(false, wasm.HeapExn)

// exception validates throw, throw_ref and try_table.
func (v *validator) exception(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpThrow:
		ft, err := v.tag(in.X)
		if err != nil {
			return err
		}
		if err := v.popVals(ft.Params); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpThrowRef:
		if _, err := v.popExpect(wasm.ExnRef); err != nil {
			return err
		}
		v.setUnreachable()
	case wasm.OpTryTable:
		sig, err := v.blockType(in.Block)
		if err != nil {
			return err
		}
		// Catch labels are relative to the block around try_table.
		for _, c := range in.Catches {
			if err := v.catchClause(c); err != nil {
				return err
			}
		}
		if err := v.popVals(sig.Params); err != nil {
			return err
		}
		v.pushCtrl(wasm.OpTryTable, sig)
	}
	return nil
}

// tag returns the function type of tag x.
func (v *validator) tag(x uint32) (*wasm.FuncType, error) {
	if x >= uint32(len(v.tags)) {
		return nil, v.fail("unknown tag %d", x)
	}
	return v.m.FuncType(v.tags[x]), nil
}

// catchClause checks that a catch clause's label accepts what the clause
// hands it: the tag's payload, then the exnref for the _ref forms.
func (v *validator) catchClause(c wasm.CatchClause) error {
	var given []wasm.ValType
	if c.Kind.HasTag() {
		ft, err := v.tag(c.Tag)
		if err != nil {
			return err
		}
		given = append(given, ft.Params...)
	}
	if c.Kind == wasm.CatchRef || c.Kind == wasm.CatchAllRef {
		given = append(given, exnRef)
	}
	f, err := v.label(c.Label)
	if err != nil {
		return err
	}
	if want := f.labelTypes(); !v.matchAll(given, want) {
		return v.fail("type mismatch: %s hands [%s] to a label of [%s]", c.Kind, typeList(given), typeList(want))
	}
	return nil
}
