package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// arrayOp validates the array instructions.
func (v *validator) arrayOp(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpArrayNew, wasm.OpArrayNewDefault, wasm.OpArrayNewFixed, wasm.OpArrayNewData, wasm.OpArrayNewElem:
		return v.arrayNew(in)
	case wasm.OpArrayGet, wasm.OpArrayGetS, wasm.OpArrayGetU:
		e, err := v.arrayElem(in.X)
		if err != nil {
			return err
		}
		if err := v.checkGet(e.Type, in.Op != wasm.OpArrayGet); err != nil {
			return err
		}
		if err := v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32}); err != nil {
			return err
		}
		v.push(unpacked(e.Type))
	case wasm.OpArraySet:
		e, err := v.mutableArray(in.X)
		if err != nil {
			return err
		}
		return v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32, unpacked(e.Type)})
	case wasm.OpArrayLen:
		if _, err := v.popExpect(wasm.ArrayRef); err != nil {
			return err
		}
		v.push(wasm.I32)
	case wasm.OpArrayFill:
		e, err := v.mutableArray(in.X)
		if err != nil {
			return err
		}
		return v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32, unpacked(e.Type), wasm.I32})
	case wasm.OpArrayCopy:
		dst, err := v.mutableArray(in.X)
		if err != nil {
			return err
		}
		src, err := v.arrayElem(in.Y)
		if err != nil {
			return err
		}
		if !v.storageMatch(src.Type, dst.Type) {
			return v.fail("type mismatch: array.copy from elements of %s to elements of %s", src.Type, dst.Type)
		}
		return v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32, refTo(true, in.Y), wasm.I32, wasm.I32})
	case wasm.OpArrayInitData:
		e, err := v.mutableArray(in.X)
		if err != nil {
			return err
		}
		if err := v.dataElem(e.Type, in.Y); err != nil {
			return err
		}
		return v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32, wasm.I32, wasm.I32})
	case wasm.OpArrayInitElem:
		e, err := v.mutableArray(in.X)
		if err != nil {
			return err
		}
		if err := v.elemElem(e.Type, in.Y); err != nil {
			return err
		}
		return v.popVals([]wasm.ValType{refTo(true, in.X), wasm.I32, wasm.I32, wasm.I32})
	}
	return nil
}

// arrayNew validates the array.new family.
func (v *validator) arrayNew(in *wasm.Instr) error {
	e, err := v.arrayElem(in.X)
	if err != nil {
		return err
	}
	switch in.Op {
	case wasm.OpArrayNew:
		err = v.popVals([]wasm.ValType{unpacked(e.Type), wasm.I32})
	case wasm.OpArrayNewDefault:
		if !e.Type.Defaultable() {
			return v.fail("type mismatch: elements of type %d (%s) have no default value", in.X, e.Type)
		}
		_, err = v.popExpect(wasm.I32)
	case wasm.OpArrayNewFixed:
		if uint64(in.Y) > maxOperands {
			return v.fail("array.new_fixed of %d operands", in.Y)
		}
		for i := uint32(0); i < in.Y && err == nil; i++ {
			err = v.popField(e.Type)
		}
	case wasm.OpArrayNewData:
		if err := v.dataElem(e.Type, in.Y); err != nil {
			return err
		}
		err = v.popVals([]wasm.ValType{wasm.I32, wasm.I32})
	case wasm.OpArrayNewElem:
		if err := v.elemElem(e.Type, in.Y); err != nil {
			return err
		}
		err = v.popVals([]wasm.ValType{wasm.I32, wasm.I32})
	}
	if err != nil {
		return err
	}
	v.push(refTo(false, in.X))
	return nil
}

// mutableArray returns the element of array type x, which must be mutable.
func (v *validator) mutableArray(x uint32) (wasm.FieldType, error) {
	e, err := v.arrayElem(x)
	if err != nil {
		return e, err
	}
	if !e.Mutable {
		return e, v.fail("array is immutable: type %d", x)
	}
	return e, nil
}

// dataElem checks that elements of storage type t can come from data
// segment d: t is a number or vector type (packed included).
func (v *validator) dataElem(t wasm.ValType, d uint32) error {
	if t.IsRef() {
		return v.fail("type mismatch: array of %s cannot be initialised from a data segment", t)
	}
	return v.dataSegment(d)
}

// elemElem checks that element segment x's references fit elements of t.
func (v *validator) elemElem(t wasm.ValType, x uint32) error {
	st, err := v.elemSegment(x)
	if err != nil {
		return err
	}
	if !t.IsRef() || !v.m.Match(st, t) {
		return v.fail("type mismatch: element segment %d of %s cannot initialise elements of %s", x, st, t)
	}
	return nil
}

// storageMatch reports whether storage type a matches b: equal packed
// types, or value subtyping.
func (v *validator) storageMatch(a, b wasm.ValType) bool {
	if isPacked(a) || isPacked(b) {
		return a == b
	}
	return v.m.Match(a, b)
}
