package text

import (
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

var valTypes = map[string]wasm.ValType{
	"i32": wasm.I32, "i64": wasm.I64, "f32": wasm.F32, "f64": wasm.F64, "v128": wasm.V128,
	"funcref": wasm.FuncRef, "externref": wasm.ExternRef,
}

func valType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		if t, ok := valTypes[n.text]; ok {
			return t
		}
	}
	failNode(n, "unexpected token %s, expected a value type", describe(n))
	return 0
}

func refType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		switch n.text {
		case "funcref":
			return wasm.FuncRef
		case "externref":
			return wasm.ExternRef
		}
	}
	failNode(n, "unexpected token %s, expected a reference type", describe(n))
	return 0
}

// heapType reads the operand of ref.null: func or extern.
func heapType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		switch n.text {
		case "func":
			return wasm.FuncRef
		case "extern":
			return wasm.ExternRef
		}
	}
	failNode(n, "unexpected token %s, expected func or extern", describe(n))
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
func sigLists(c *cursor, named bool) signature {
	var s signature
	for c.peekList("param") {
		s.inline = true
		pc := newCursor(c.next(), 1)
		if id := pc.optID(); id != nil {
			if !named {
				failNode(id, "unexpected token %s", id.text)
			}
			s.params = append(s.params, valType(pc.next()))
			s.paramIDs = append(s.paramIDs, id)
			pc.end()
			continue
		}
		for !pc.done() {
			s.params = append(s.params, valType(pc.next()))
			s.paramIDs = append(s.paramIDs, nil)
		}
	}
	for c.peekList("result") {
		s.inline = true
		rc := newCursor(c.next(), 1)
		for !rc.done() {
			s.results = append(s.results, valType(rc.next()))
		}
	}
	return s
}

// funcTypeDef reads the `(func ...)` of a type definition.
func (p *moduleParser) funcTypeDef(n *node) wasm.FuncType {
	if head(n) != "func" {
		failNode(n, "unexpected token %s, expected (func ...)", describe(n))
	}
	c := newCursor(n, 1)
	s := sigLists(c, true)
	c.end()
	return wasm.NewFuncType(s.params, s.results)
}

// typeUse reads `(type x)? (param ...)* (result ...)*` and returns the
// type index with the signature. Without (type x) the signature's type is
// reused if an identical one exists, else appended to the type section.
func (p *moduleParser) typeUse(c *cursor, named bool) (uint32, signature) {
	if !c.peekList("type") {
		s := sigLists(c, named)
		return p.implicitType(s.params, s.results), s
	}
	tn := c.next()
	tc := newCursor(tn, 1)
	idx := p.types.resolve(tc.next())
	tc.end()
	s := sigLists(c, named)
	if idx >= uint32(len(p.m.Types)) {
		// Out of range: the validator reports it as an unknown type, but
		// an inline signature cannot be checked against it.
		if s.inline {
			failNode(tn, "unknown type %d", idx)
		}
		return idx, s
	}
	ft := &p.m.Types[idx]
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

func (p *moduleParser) implicitType(params, results []wasm.ValType) uint32 {
	ft := wasm.NewFuncType(params, results)
	if p.typeIndex == nil {
		// Index the types once; later ones are added as they are appended.
		p.typeIndex = make(map[string]uint32, len(p.m.Types))
		for i := len(p.m.Types) - 1; i >= 0; i-- {
			p.typeIndex[p.m.Types[i].Key()] = uint32(i)
		}
	}
	if i, ok := p.typeIndex[ft.Key()]; ok {
		return i
	}
	p.m.Types = append(p.m.Types, ft)
	i := uint32(len(p.m.Types) - 1)
	p.typeIndex[ft.Key()] = i
	return i
}

// limits reads `min max?`.
func limits(c *cursor) wasm.Limits {
	l := wasm.Limits{Min: u32(c.next())}
	if n := c.peek(); n != nil && n.kind == kAtom {
		l.Max, l.HasMax = u32(c.next()), true
	}
	return l
}

// globalType reads `t` or `(mut t)`.
func globalType(n *node) wasm.GlobalType {
	if head(n) == "mut" {
		c := newCursor(n, 1)
		t := valType(c.next())
		c.end()
		return wasm.GlobalType{Val: t, Mutable: true}
	}
	return wasm.GlobalType{Val: valType(n)}
}
