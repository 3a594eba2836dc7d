package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// structOp validates struct.new, struct.new_default, struct.get (and its
// _s and _u forms) and struct.set.
func (v *validator) structOp(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpStructNew:
		d, err := v.compositeAt(in.X, wasm.CompStruct)
		if err != nil {
			return err
		}
		for i := len(d.Fields) - 1; i >= 0; i-- {
			if err := v.popField(d.Fields[i].Type); err != nil {
				return err
			}
		}
		v.push(refTo(false, in.X))
	case wasm.OpStructNewDefault:
		d, err := v.compositeAt(in.X, wasm.CompStruct)
		if err != nil {
			return err
		}
		for i, f := range d.Fields {
			if !f.Type.Defaultable() {
				return v.fail("type mismatch: field %d of type %d (%s) has no default value", i, in.X, f.Type)
			}
		}
		v.push(refTo(false, in.X))
	case wasm.OpStructGet, wasm.OpStructGetS, wasm.OpStructGetU:
		_, f, err := v.field(in.X, in.Y)
		if err != nil {
			return err
		}
		if err := v.checkGet(f.Type, in.Op != wasm.OpStructGet); err != nil {
			return err
		}
		if _, err := v.popExpect(refTo(true, in.X)); err != nil {
			return err
		}
		v.push(unpacked(f.Type))
	case wasm.OpStructSet:
		_, f, err := v.field(in.X, in.Y)
		if err != nil {
			return err
		}
		if !f.Mutable {
			return v.fail("field is immutable: field %d of type %d", in.Y, in.X)
		}
		if err := v.popField(f.Type); err != nil {
			return err
		}
		if _, err := v.popExpect(refTo(true, in.X)); err != nil {
			return err
		}
	}
	return nil
}
