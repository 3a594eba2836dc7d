package text

import (
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

// valTypes are the value types written as one keyword.
var valTypes = map[string]wasm.ValType{
	"i32": wasm.I32, "i64": wasm.I64, "f32": wasm.F32, "f64": wasm.F64, "v128": wasm.V128,
	"funcref": wasm.FuncRef, "externref": wasm.ExternRef, "exnref": wasm.ExnRef,
	"anyref": wasm.AnyRef, "eqref": wasm.EqRef, "i31ref": wasm.I31Ref, "structref": wasm.StructRef,
	"arrayref": wasm.ArrayRef, "nullref": wasm.NullRef, "nullfuncref": wasm.NullFuncRef,
	"nullexternref": wasm.NullExternRef, "nullexnref": wasm.NullExnRef,
}

// heapTypes are the abstract heap types by name.
var heapTypes = map[string]wasm.HeapType{
	"func": wasm.HeapFunc, "extern": wasm.HeapExtern, "exn": wasm.HeapExn, "any": wasm.HeapAny,
	"eq": wasm.HeapEq, "i31": wasm.HeapI31, "struct": wasm.HeapStruct, "array": wasm.HeapArray,
	"none": wasm.HeapNone, "nofunc": wasm.HeapNoFunc, "noextern": wasm.HeapNoExtern, "noexn": wasm.HeapNoExn,
}

// valType reads a value type: a keyword, or (ref null? heaptype). p
// resolves type identifiers; it may be nil where no module is at hand
// (script values), and then only abstract heap types are allowed.
func (p *moduleParser) valType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		if t, ok := valTypes[n.text]; ok {
			return t
		}
	}
	if head(n) == "ref" {
		return p.refTypeList(n)
	}
	failNode(n, "unexpected token %s, expected a value type", describe(n))
	return 0
}

// refType reads a reference type: a shorthand keyword or (ref null? ht).
func (p *moduleParser) refType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		if t, ok := valTypes[n.text]; ok && t.IsRef() {
			return t
		}
	}
	if head(n) == "ref" {
		return p.refTypeList(n)
	}
	failNode(n, "unexpected token %s, expected a reference type", describe(n))
	return 0
}

// isRefType reports whether n starts a reference type.
func isRefType(n *node) bool {
	if n == nil {
		return false
	}
	if n.kind == kKeyword {
		t, ok := valTypes[n.text]
		return ok && t.IsRef()
	}
	return head(n) == "ref"
}

func (p *moduleParser) refTypeList(n *node) wasm.ValType {
	c := newCursor(n, 1)
	nullable := false
	if c.peekKeyword("null") {
		c.next()
		nullable = true
	}
	h := p.heapType(c.next())
	c.end()
	return wasm.RefType(nullable, h)
}

// heapType reads an abstract heap type's name or a type index.
func (p *moduleParser) heapType(n *node) wasm.HeapType {
	if n.kind == kKeyword {
		if h, ok := heapTypes[n.text]; ok {
			return h
		}
	}
	if isIndex(n) && p != nil {
		x := p.types.resolve(n)
		if x >= uint32(wasm.HeapAbstractBase) {
			failNode(n, "unknown type %d", x)
		}
		return wasm.HeapType(x)
	}
	failNode(n, "unexpected token %s, expected a heap type", describe(n))
	return 0
}

// signature is an inline function signature with the identifiers of its
// parameters (nil where unnamed).
type signature struct {
	params   []wasm.ValType
	results  []wasm.ValType
	paramIDs []*node
	inline   bool // some (param) or (result) was written
}

// sigLists reads `(param ...)* (result ...)*` from c. Parameter
// identifiers are allowed only when named is set.
func (p *moduleParser) sigLists(c *cursor, named bool) signature {
	var s signature
	for c.peekList("param") {
		s.inline = true
		pc := newCursor(c.next(), 1)
		if id := pc.optID(); id != nil {
			if !named {
				failNode(id, "unexpected token %s", id.text)
			}
			s.params = append(s.params, p.valType(pc.next()))
			s.paramIDs = append(s.paramIDs, id)
			pc.end()
			continue
		}
		for !pc.done() {
			s.params = append(s.params, p.valType(pc.next()))
			s.paramIDs = append(s.paramIDs, nil)
		}
	}
	for c.peekList("result") {
		s.inline = true
		rc := newCursor(c.next(), 1)
		for !rc.done() {
			s.results = append(s.results, p.valType(rc.next()))
		}
	}
	return s
}

// typeUse reads `(type x)? (param ...)* (result ...)*` and returns the
// type index with the signature. Without (type x) the signature's type is
// reused if an identical plain function type exists, else appended to the
// type section.
func (p *moduleParser) typeUse(c *cursor, named bool) (uint32, signature) {
	if !c.peekList("type") {
		s := p.sigLists(c, named)
		return p.implicitType(s.params, s.results), s
	}
	tn := c.next()
	tc := newCursor(tn, 1)
	idx := p.types.resolve(tc.next())
	tc.end()
	s := p.sigLists(c, named)
	if idx >= uint32(len(p.m.Types)) {
		// Out of range: the validator reports it as an unknown type, but
		// an inline signature cannot be checked against it.
		if s.inline {
			failNode(tn, "unknown type %d", idx)
		}
		return idx, s
	}
	d := &p.m.Types[idx]
	if d.Kind != wasm.CompFunc {
		if s.inline {
			failNode(tn, "non-function type %d", idx)
		}
		return idx, s
	}
	ft := &d.Func
	if s.inline {
		if !slices.Equal(s.params, ft.Params) || !slices.Equal(s.results, ft.Results) {
			failNode(tn, "inline function type does not match type %d", idx)
		}
		return idx, s
	}
	s.params, s.results = ft.Params, ft.Results
	s.paramIDs = make([]*node, len(ft.Params))
	return idx, s
}

// implicitType returns the index of the first plain function type (alone
// in its recursion group, final, without supertypes) with exactly these
// parameters and results, appending one when there is none.
func (p *moduleParser) implicitType(params, results []wasm.ValType) uint32 {
	ft := wasm.NewFuncType(params, results)
	if p.typeIndex == nil {
		// Index the types once; later ones are added as they are appended.
		p.typeIndex = make(map[string]uint32, len(p.m.Types))
		for i := len(p.m.Types) - 1; i >= 0; i-- {
			if d := &p.m.Types[i]; isPlainFunc(d) {
				p.typeIndex[d.Func.Key()] = uint32(i)
			}
		}
	}
	if i, ok := p.typeIndex[ft.Key()]; ok {
		return i
	}
	i := uint32(len(p.m.Types))
	p.m.Types = append(p.m.Types, wasm.TypeDef{Kind: wasm.CompFunc, Func: ft, Final: true, RecStart: i, RecSize: 1})
	p.types.n++
	p.typeIndex[ft.Key()] = i
	return i
}

func isPlainFunc(d *wasm.TypeDef) bool {
	return d.Kind == wasm.CompFunc && d.Final && len(d.Supers) == 0 && d.RecSize == 1
}

// limits reads `min max?`, 64-bit numbers (the validator checks ranges).
func limits(c *cursor) wasm.Limits {
	l := wasm.Limits{Min: u64(c.next())}
	if n := c.peek(); n != nil && n.kind == kAtom {
		l.Max, l.HasMax = u64(c.next()), true
	}
	return l
}

// addrType reads an optional address type, i32 or i64, before limits.
func addrType(c *cursor) (is64 bool) {
	switch {
	case c.peekKeyword("i64"):
		c.next()
		return true
	case c.peekKeyword("i32"):
		c.next()
	}
	return false
}

// globalType reads `t` or `(mut t)`.
func (p *moduleParser) globalType(n *node) wasm.GlobalType {
	if head(n) == "mut" {
		c := newCursor(n, 1)
		t := p.valType(c.next())
		c.end()
		return wasm.GlobalType{Val: t, Mutable: true}
	}
	return wasm.GlobalType{Val: p.valType(n)}
}
