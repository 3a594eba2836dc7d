package wasm

// Subtyping of value and heap types (the spec's matching rules). A
// concrete heap type is a type index of a module, so matching takes the
// module of each side; between defined types it compares canonical keys
// (CanonicalizeTypes), so it works across modules. A nil module resolves no
// type index: such a type matches only itself.

// abstractSupers lists, for each abstract heap type, the abstract types it
// is a subtype of (itself included).
var abstractSupers = map[HeapType][]HeapType{
	HeapAny:      {HeapAny},
	HeapEq:       {HeapEq, HeapAny},
	HeapI31:      {HeapI31, HeapEq, HeapAny},
	HeapStruct:   {HeapStruct, HeapEq, HeapAny},
	HeapArray:    {HeapArray, HeapEq, HeapAny},
	HeapNone:     {HeapNone, HeapI31, HeapStruct, HeapArray, HeapEq, HeapAny},
	HeapFunc:     {HeapFunc},
	HeapNoFunc:   {HeapNoFunc, HeapFunc},
	HeapExtern:   {HeapExtern},
	HeapNoExtern: {HeapNoExtern, HeapExtern},
	HeapExn:      {HeapExn},
	HeapNoExn:    {HeapNoExn, HeapExn},
}

// typeDef returns the definition of a concrete heap type, or nil.
func (m *Module) typeDef(h HeapType) *TypeDef {
	if m == nil || h.IsAbstract() || h.Index() >= uint32(len(m.Types)) {
		return nil
	}
	return &m.Types[h.Index()]
}

// abstractOf is the abstract heap type a defined type's values belong to:
// func, struct or array.
func abstractOf(d *TypeDef) HeapType {
	switch d.Kind {
	case CompStruct:
		return HeapStruct
	case CompArray:
		return HeapArray
	}
	return HeapFunc
}

// TopHeap is the top of the hierarchy h belongs to: any, func, extern or exn.
func (m *Module) TopHeap(h HeapType) HeapType {
	if d := m.typeDef(h); d != nil {
		h = abstractOf(d)
	}
	switch h {
	case HeapFunc, HeapNoFunc:
		return HeapFunc
	case HeapExtern, HeapNoExtern:
		return HeapExtern
	case HeapExn, HeapNoExn:
		return HeapExn
	}
	return HeapAny
}

// HeapMatch reports whether heap type a of module am is a subtype of heap
// type b of module bm.
func HeapMatch(a HeapType, am *Module, b HeapType, bm *Module) bool {
	if a == HeapBot {
		return true
	}
	da, db := am.typeDef(a), bm.typeDef(b)
	switch {
	case da != nil && db != nil:
		ka, kb := da.Key(), db.Key()
		if ka == kb {
			return true
		}
		for _, s := range da.superKeys {
			if s == kb {
				return true
			}
		}
		return false
	case da != nil:
		return abstractMatch(abstractOf(da), b)
	case db != nil:
		// Only the bottom types sit below a defined type.
		switch a {
		case HeapNone:
			return db.Kind != CompFunc
		case HeapNoFunc:
			return db.Kind == CompFunc
		}
		return false
	case a.IsAbstract() && b.IsAbstract():
		return abstractMatch(a, b)
	}
	return a == b && am == bm
}

func abstractMatch(a, b HeapType) bool {
	for _, s := range abstractSupers[a] {
		if s == b {
			return true
		}
	}
	return false
}

// ValMatch reports whether value type a of module am is a subtype of value
// type b of module bm.
func ValMatch(a ValType, am *Module, b ValType, bm *Module) bool {
	if a == b && (am == bm || !a.HasTypeIndex()) {
		return true
	}
	if !a.IsRef() || !b.IsRef() {
		return false
	}
	if a.Nullable() && !b.Nullable() {
		return false
	}
	return HeapMatch(a.Heap(), am, b.Heap(), bm)
}

// Match reports whether a is a subtype of b, both types of m.
func (m *Module) Match(a, b ValType) bool { return ValMatch(a, m, b, m) }

// MatchAll reports whether each of as is a subtype of its b.
func (m *Module) MatchAll(as, bs []ValType) bool {
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if !m.Match(as[i], bs[i]) {
			return false
		}
	}
	return true
}

// ValEquiv reports whether a of am and b of bm are equivalent types.
func ValEquiv(a ValType, am *Module, b ValType, bm *Module) bool {
	return ValMatch(a, am, b, bm) && ValMatch(b, bm, a, am)
}
