package wasm

import "testing"

// types builds a type section from groups: each group is a list of type
// definitions (RecStart and RecSize are filled in), then canonicalises it.
func types(groups ...[]TypeDef) *Module {
	m := &Module{}
	for _, g := range groups {
		start := uint32(len(m.Types))
		for _, d := range g {
			d.RecStart, d.RecSize = start, uint32(len(g))
			if d.Kind == CompFunc {
				d.Func = NewFuncType(d.Func.Params, d.Func.Results)
			}
			m.Types = append(m.Types, d)
		}
	}
	m.CanonicalizeTypes()
	return m
}

func fn(final bool, supers []uint32, params ...ValType) TypeDef {
	return TypeDef{Kind: CompFunc, Final: final, Supers: supers, Func: FuncType{Params: params}}
}

func st(fields ...ValType) TypeDef {
	d := TypeDef{Kind: CompStruct, Final: true}
	for _, f := range fields {
		d.Fields = append(d.Fields, FieldType{Type: f})
	}
	return d
}

// TestIsoRecursiveEquivalence checks the canonical keys against the rules
// the spec's type-canon and type-equivalence scripts test.
func TestIsoRecursiveEquivalence(t *testing.T) {
	// Two modules declaring the same recursive pair: equal keys.
	a := types([]TypeDef{fn(true, nil, RefType(true, 1)), st(RefType(true, 0))})
	b := types([]TypeDef{fn(true, nil, RefType(true, 1)), st(RefType(true, 0))})
	for i := range a.Types {
		if a.Types[i].Key() != b.Types[i].Key() {
			t.Errorf("type %d: equivalent groups, different keys", i)
		}
	}
	if a.Types[0].Key() == a.Types[1].Key() {
		t.Error("two positions of one group share a key")
	}
	// The same pair in the other order is a different group.
	c := types([]TypeDef{st(RefType(true, 1)), fn(true, nil, RefType(true, 0))})
	if c.Types[1].Key() == a.Types[0].Key() {
		t.Error("groups in another order are equivalent")
	}
	// A reference outside the group goes by the referenced type's identity:
	// here to equivalent plain types at different indices.
	d := types([]TypeDef{fn(true, nil)}, []TypeDef{fn(true, nil, RefType(false, 0))})
	e := types([]TypeDef{fn(true, nil, I32)}, []TypeDef{fn(true, nil)}, []TypeDef{fn(true, nil, RefType(false, 1))})
	if d.Types[1].Key() != e.Types[2].Key() {
		t.Error("references to equivalent types make inequivalent types")
	}
	// Finality and supertypes are part of a type.
	f := types([]TypeDef{fn(false, nil)}, []TypeDef{fn(true, nil)}, []TypeDef{fn(true, []uint32{0})})
	if f.Types[0].Key() == f.Types[1].Key() || f.Types[1].Key() == f.Types[2].Key() {
		t.Error("finality or supertypes ignored")
	}
	// A plain type alone in its group keeps the signature key, whatever
	// module declares it.
	if plain := NewFuncType(nil, nil); f.Types[1].Key() != plain.Key() {
		t.Errorf("plain type key %q", f.Types[1].Key())
	}
}

func TestSubtyping(t *testing.T) {
	// $0: non-final (func (param funcref)); $1: sub $0 with a narrower
	// parameter is not allowed (contravariance), but results may narrow.
	m := types(
		[]TypeDef{fn(false, nil)},
		[]TypeDef{fn(false, []uint32{0})},
		[]TypeDef{fn(true, []uint32{1})},
		[]TypeDef{st()},
	)
	ft2, ft0 := &m.Types[2].Func, &m.Types[0].Func
	if !ft2.SubtypeOf(ft0) || ft0.SubtypeOf(ft2) {
		t.Error("declared supertype chain not followed (or followed backwards)")
	}
	for _, c := range []struct {
		a, b HeapType
		want bool
	}{
		{2, 0, true}, {0, 2, false}, {2, HeapFunc, true}, {HeapNoFunc, 2, true}, {HeapNone, 2, false},
		{3, HeapStruct, true}, {3, HeapEq, true}, {3, HeapAny, true}, {3, HeapFunc, false},
		{HeapNone, 3, true}, {HeapI31, HeapEq, true}, {HeapEq, HeapI31, false}, {HeapExtern, HeapAny, false},
		{HeapNoExn, HeapExn, true}, {HeapBot, 3, true}, {HeapBot, HeapExtern, true},
	} {
		if got := HeapMatch(c.a, m, c.b, m); got != c.want {
			t.Errorf("%v <: %v = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if !m.Match(RefType(false, 2), FuncRef) || m.Match(FuncRef, RefType(false, HeapFunc)) || m.Match(I32, I64) {
		t.Error("reference nullability or numbers mismatch")
	}
	// Across modules: equivalent types match by key.
	other := types([]TypeDef{fn(false, nil)}, []TypeDef{fn(false, []uint32{0})}, []TypeDef{fn(true, []uint32{1})})
	if !ValMatch(RefType(false, 2), m, RefType(true, 0), other) {
		t.Error("a subtype in another module does not match")
	}
	if ValMatch(RefType(false, 2), m, RefType(true, 0), nil) {
		t.Error("a type index matched without its module")
	}
}
