package wasm

import "testing"

func TestValTypeEncoding(t *testing.T) {
	cases := []struct {
		t        ValType
		text     string
		ref      bool
		nullable bool
		heap     HeapType
	}{
		{I32, "i32", false, false, 0},
		{V128, "v128", false, false, 0},
		{FuncRef, "funcref", true, true, HeapFunc},
		{ExnRef, "exnref", true, true, HeapExn},
		{NullExternRef, "nullexternref", true, true, HeapNoExtern},
		{RefType(false, HeapFunc), "(ref func)", true, false, HeapFunc},
		{RefType(true, 7), "(ref null 7)", true, true, 7},
		{RefType(false, 0), "(ref 0)", true, false, 0},
	}
	for _, c := range cases {
		if c.t.String() != c.text || c.t.IsRef() != c.ref || (c.ref && (c.t.Nullable() != c.nullable || c.t.Heap() != c.heap)) {
			t.Errorf("%#x: %q ref=%v nullable=%v heap=%v", uint64(c.t), c.t.String(), c.t.IsRef(), c.t.Nullable(), c.t.Heap())
		}
		if !c.t.Valid() {
			t.Errorf("%s: not valid", c.t)
		}
	}
	if RefType(true, HeapFunc) != FuncRef {
		t.Error("(ref null func) is not funcref")
	}
	if RefType(false, 3).AsNullable() != RefType(true, 3) || FuncRef.AsNonNull() != RefType(false, HeapFunc) {
		t.Error("nullability changes")
	}
	if RefType(false, HeapExtern).Defaultable() || !ExternRef.Defaultable() || !I64.Defaultable() {
		t.Error("only non-nullable references lack a default")
	}
	for _, bad := range []ValType{0, 0x40, RefType(true, HeapBot), ValType(0x63) | ValType(HeapAbstractBase|0x50)<<8, PackedI8} {
		if bad.Valid() {
			t.Errorf("%#x is valid", uint64(bad))
		}
	}
}

func TestAbstractHeapTypes(t *testing.T) {
	for c := byte(0); c < 0x80; c++ {
		h, ok := AbstractHeapType(c)
		if ok != (c >= 0x69 && c <= 0x74) {
			t.Errorf("code %#x: %v", c, ok)
		}
		if ok && (h.Code() != c || !h.IsAbstract() || h.String() == "unknown") {
			t.Errorf("code %#x: %v", c, h)
		}
	}
}

// A plain function type's key reads its signature, one or two bytes a type.
func TestPlainFuncTypeKey(t *testing.T) {
	plain := NewFuncType([]ValType{I32, FuncRef, RefType(false, HeapExtern)}, []ValType{V128})
	if want := "\x7f\x70\x64\x6f:\x7b"; plain.Key() != want {
		t.Errorf("plain key %q, want %q", plain.Key(), want)
	}
}
