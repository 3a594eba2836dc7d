package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// The type section: recursion groups, subtype declarations and the value
// types they use. Groups are checked in order; each is canonicalised (see
// wasm.CanonicalizeTypes) before its subtype declarations are, since those
// compare types.

func (v *validator) types() error {
	m := v.m
	off := v.sectionOffset(secType)
	for s := 0; s < len(m.Types); {
		n := int(m.Types[s].RecSize)
		if n < 1 || s+n > len(m.Types) {
			n = 1
		}
		end := uint32(s + n)
		if n > 1 {
			if err := v.use(wasm.FeatureGC, off, wasm.NoFunc); err != nil {
				return err
			}
		}
		for i := s; i < s+n; i++ {
			if err := v.typeDef(&m.Types[i], end, off); err != nil {
				return err
			}
		}
		m.CanonicalizeGroup(uint32(s))
		for i := s; i < s+n; i++ {
			if err := v.subtypeDecl(uint32(i), off); err != nil {
				return err
			}
		}
		s += n
	}
	return nil
}

// typeDef checks that a definition refers only to types before end (the
// end of its recursion group) and records the features it uses.
func (v *validator) typeDef(d *wasm.TypeDef, end uint32, off int) error {
	if d.Kind != wasm.CompFunc || !d.Final || len(d.Supers) > 0 {
		if err := v.use(wasm.FeatureGC, off, wasm.NoFunc); err != nil {
			return err
		}
	}
	for _, x := range d.Supers {
		if x >= end {
			return errAt(off, "unknown type %d", x)
		}
	}
	check := func(t wasm.ValType) error {
		if t.HasTypeIndex() && t.Heap().Index() >= end {
			return errAt(off, "unknown type %d", t.Heap().Index())
		}
		return v.typeFeatures(t, off)
	}
	for _, t := range d.Func.Params {
		if err := check(t); err != nil {
			return err
		}
	}
	for _, t := range d.Func.Results {
		if err := check(t); err != nil {
			return err
		}
	}
	for _, f := range d.Fields {
		if f.Type == wasm.PackedI8 || f.Type == wasm.PackedI16 {
			continue
		}
		if err := check(f.Type); err != nil {
			return err
		}
	}
	return nil
}

// subtypeDecl checks type x's declared supertypes: at most one, earlier,
// not final, and matching.
func (v *validator) subtypeDecl(x uint32, off int) error {
	m := v.m
	d := &m.Types[x]
	if len(d.Supers) > 1 {
		return errAt(off, "type %d has more than one supertype", x)
	}
	for _, s := range d.Supers {
		if s >= x {
			return errAt(off, "forward use of type %d in sub type definition", s)
		}
		sup := &m.Types[s]
		if sup.Final {
			return errAt(off, "sub type %d has final super type %d", x, s)
		}
		if !v.compMatch(d, sup) {
			return errAt(off, "sub type %d does not match super type %d", x, s)
		}
	}
	return nil
}

// compMatch reports whether composite type a matches b: functions are
// contravariant in their parameters and covariant in their results,
// structs may add fields, and fields keep their mutability (a mutable
// field's type is invariant).
func (v *validator) compMatch(a, b *wasm.TypeDef) bool {
	if a.Kind != b.Kind {
		return false
	}
	m := v.m
	if a.Kind == wasm.CompFunc {
		return m.MatchAll(b.Func.Params, a.Func.Params) && m.MatchAll(a.Func.Results, b.Func.Results)
	}
	if len(a.Fields) < len(b.Fields) {
		return false
	}
	for i := range b.Fields {
		fa, fb := a.Fields[i], b.Fields[i]
		if fa.Mutable != fb.Mutable || !m.Match(fa.Type, fb.Type) {
			return false
		}
		if fa.Mutable && !m.Match(fb.Type, fa.Type) {
			return false
		}
	}
	return true
}

// valType checks a value type outside the type section: a type index must
// name a type of the module. It records the features the type needs.
func (v *validator) valType(t wasm.ValType, off int) error {
	if !t.Valid() {
		return errAt(off, "malformed value type")
	}
	if t.HasTypeIndex() && t.Heap().Index() >= uint32(len(v.m.Types)) {
		return errAt(off, "unknown type %d", t.Heap().Index())
	}
	return v.typeFeatures(t, off)
}

// bodyValType is valType for a type inside the current body.
func (v *validator) bodyValType(t wasm.ValType) error {
	if err := v.valType(t, v.off); err != nil {
		if we, ok := err.(*wasm.Error); ok {
			we.Func = v.fn
		}
		return err
	}
	return nil
}

// typeFeatures records the features a value type needs: typed function
// references for non-null or concrete references, exceptions for exnref,
// garbage collection for the other abstract heap types.
func (v *validator) typeFeatures(t wasm.ValType, off int) error {
	if !t.IsRef() {
		return nil
	}
	h := t.Heap()
	var f wasm.Features
	switch {
	case h == wasm.HeapExn || h == wasm.HeapNoExn:
		f = wasm.FeatureExceptions
	case h.IsAbstract() && h != wasm.HeapFunc && h != wasm.HeapExtern:
		f = wasm.FeatureGC
	}
	if !t.Nullable() || !h.IsAbstract() {
		f |= wasm.FeatureFunctionReferences
	}
	if f == 0 {
		return nil
	}
	return v.use(f, off, wasm.NoFunc)
}
