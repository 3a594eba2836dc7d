package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// Helpers shared by the garbage-collection instructions: looking up
// struct and array types, and their fields' value types.

// unpacked is the type a field of storage type t has on the operand stack:
// i32 for the packed i8 and i16, t itself otherwise.
func unpacked(t wasm.ValType) wasm.ValType {
	if t == wasm.PackedI8 || t == wasm.PackedI16 {
		return wasm.I32
	}
	return t
}

func isPacked(t wasm.ValType) bool { return t == wasm.PackedI8 || t == wasm.PackedI16 }

// compositeAt returns the definition at type index x, which must be of kind
// k, for the current body.
func (v *validator) compositeAt(x uint32, k wasm.CompositeKind) (*wasm.TypeDef, error) {
	if x >= uint32(len(v.m.Types)) {
		return nil, v.fail("unknown type %d", x)
	}
	d := &v.m.Types[x]
	if d.Kind != k {
		return nil, v.fail("type mismatch: type %d is a %s type, not a %s type", x, d.Kind, k)
	}
	return d, nil
}

// field returns field i of struct type x.
func (v *validator) field(x, i uint32) (*wasm.TypeDef, wasm.FieldType, error) {
	d, err := v.compositeAt(x, wasm.CompStruct)
	if err != nil {
		return nil, wasm.FieldType{}, err
	}
	if i >= uint32(len(d.Fields)) {
		return nil, wasm.FieldType{}, v.fail("unknown field %d of type %d", i, x)
	}
	return d, d.Fields[i], nil
}

// arrayElem returns the element field of array type x.
func (v *validator) arrayElem(x uint32) (wasm.FieldType, error) {
	d, err := v.compositeAt(x, wasm.CompArray)
	if err != nil {
		return wasm.FieldType{}, err
	}
	return d.Fields[0], nil
}

// refTo is (ref null? x) for type index x.
func refTo(nullable bool, x uint32) wasm.ValType { return wasm.RefType(nullable, wasm.HeapType(x)) }

// popField pops a value for a field or element of storage type t.
func (v *validator) popField(t wasm.ValType) error {
	_, err := v.popExpect(unpacked(t))
	return err
}

// checkGet checks that a get instruction's signedness fits the field: the
// _s and _u forms need a packed field, the plain form an unpacked one.
func (v *validator) checkGet(t wasm.ValType, signed bool) error {
	if signed != isPacked(t) {
		if signed {
			return v.fail("type mismatch: %s needs a packed field, the field is %s", v.op, t)
		}
		return v.fail("type mismatch: %s of a packed field needs _s or _u", v.op)
	}
	return nil
}
