package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// gcConst types one garbage-collection instruction of a constant
// expression (struct.new, struct.new_default, array.new,
// array.new_default, array.new_fixed, ref.i31, any.convert_extern,
// extern.convert_any) on the expression's type stack.
func (v *validator) gcConst(in *wasm.Instr, off int, stack []wasm.ValType) ([]wasm.ValType, error) {
	pop := func(want wasm.ValType) (wasm.ValType, error) {
		n := len(stack)
		if n == 0 {
			return 0, errAt(off, "type mismatch: %s requires [%s] but the stack is empty", in.Op, want)
		}
		got := stack[n-1]
		if !v.m.Match(got, want) {
			return 0, errAt(off, "type mismatch: %s requires [%s] but the stack has [%s]", in.Op, want, got)
		}
		stack = stack[:n-1]
		return got, nil
	}
	def := func(k wasm.CompositeKind) (*wasm.TypeDef, error) {
		if in.X >= uint32(len(v.m.Types)) {
			return nil, errAt(off, "unknown type %d", in.X)
		}
		d := &v.m.Types[in.X]
		if d.Kind != k {
			return nil, errAt(off, "type mismatch: type %d is a %s type, not a %s type", in.X, d.Kind, k)
		}
		return d, nil
	}
	switch in.Op {
	case wasm.OpStructNew, wasm.OpStructNewDefault:
		d, err := def(wasm.CompStruct)
		if err != nil {
			return nil, err
		}
		for i := len(d.Fields) - 1; i >= 0; i-- {
			f := d.Fields[i].Type
			if in.Op == wasm.OpStructNewDefault {
				if !f.Defaultable() {
					return nil, errAt(off, "type mismatch: field %d of type %d (%s) has no default value", i, in.X, f)
				}
				continue
			}
			if _, err := pop(unpacked(f)); err != nil {
				return nil, err
			}
		}
	case wasm.OpArrayNew, wasm.OpArrayNewDefault, wasm.OpArrayNewFixed:
		d, err := def(wasm.CompArray)
		if err != nil {
			return nil, err
		}
		e := d.Fields[0].Type
		switch in.Op {
		case wasm.OpArrayNew:
			if _, err := pop(wasm.I32); err != nil {
				return nil, err
			}
			if _, err := pop(unpacked(e)); err != nil {
				return nil, err
			}
		case wasm.OpArrayNewDefault:
			if !e.Defaultable() {
				return nil, errAt(off, "type mismatch: elements of type %d (%s) have no default value", in.X, e)
			}
			if _, err := pop(wasm.I32); err != nil {
				return nil, err
			}
		default:
			if uint64(in.Y) > uint64(len(stack)) {
				return nil, errAt(off, "type mismatch: array.new_fixed of %d operands, the stack has %d", in.Y, len(stack))
			}
			for range in.Y {
				if _, err := pop(unpacked(e)); err != nil {
					return nil, err
				}
			}
		}
	case wasm.OpRefI31:
		if _, err := pop(wasm.I32); err != nil {
			return nil, err
		}
		return append(stack, wasm.RefType(false, wasm.HeapI31)), nil
	case wasm.OpAnyConvertExtern, wasm.OpExternConvertAny:
		from, to := wasm.HeapExtern, wasm.HeapAny
		if in.Op == wasm.OpExternConvertAny {
			from, to = to, from
		}
		t, err := pop(wasm.RefType(true, from))
		if err != nil {
			return nil, err
		}
		return append(stack, wasm.RefType(t.Nullable(), to)), nil
	default:
		return nil, errAt(off, "constant expression required")
	}
	return append(stack, refTo(false, in.X)), nil
}
