package text

import "github.com/moat-run/moat/internal/wasm"

// Type definitions: (type $id? subtype) and (rec (type ...)*), where
//
//	subtype  = comptype | (sub final? typeidx* comptype)
//	comptype = (func param* result*) | (struct (field ...)*) | (array fieldtype)
//
// The declaration pass reserves each type's index and binds its name; the
// types pass (after every type name is known, since a recursion group may
// refer forward) fills in the definitions.

// declareTypes reserves the types of a (type ...) or (rec ...) field.
func (p *moduleParser) declareTypes(f *node) {
	defs := []*node{f}
	if head(f) == "rec" {
		defs = newCursor(f, 1).kids
	}
	start := uint32(len(p.m.Types))
	for _, d := range defs {
		if head(d) != "type" {
			failNode(d, "unexpected token %s, expected (type ...)", describe(d))
		}
		c := newCursor(d, 1)
		p.types.define(c.optID())
		p.typeNodes = append(p.typeNodes, d)
		p.m.Types = append(p.m.Types, wasm.TypeDef{RecStart: start, RecSize: uint32(len(defs))})
	}
}

// defineTypes fills in every explicitly defined type.
func (p *moduleParser) defineTypes() {
	p.fieldNames = make([]map[string]uint32, len(p.typeNodes))
	for i, n := range p.typeNodes {
		c := newCursor(n, 1)
		c.optID()
		d := &p.m.Types[i]
		p.subType(c.next(), d, uint32(i))
		c.end()
	}
}

// subType reads a subtype into d, the definition of type index x.
func (p *moduleParser) subType(n *node, d *wasm.TypeDef, x uint32) {
	d.Final = true
	if head(n) == "sub" {
		c := newCursor(n, 1)
		d.Final = false
		if c.peekKeyword("final") {
			c.next()
			d.Final = true
		}
		for isIndex(c.peek()) {
			d.Supers = append(d.Supers, p.types.resolve(c.next()))
		}
		p.compType(c.next(), d, x)
		c.end()
		return
	}
	p.compType(n, d, x)
}

func (p *moduleParser) compType(n *node, d *wasm.TypeDef, x uint32) {
	c := newCursor(n, 1)
	switch head(n) {
	case "func":
		d.Kind = wasm.CompFunc
		s := p.sigLists(c, true)
		d.Func = wasm.NewFuncType(s.params, s.results)
	case "struct":
		d.Kind = wasm.CompStruct
		for c.peekList("field") {
			fc := newCursor(c.next(), 1)
			if id := fc.optID(); id != nil {
				p.defineField(x, id, uint32(len(d.Fields)))
				d.Fields = append(d.Fields, p.fieldType(fc.next()))
				fc.end()
				continue
			}
			for !fc.done() {
				d.Fields = append(d.Fields, p.fieldType(fc.next()))
			}
		}
		d.Fields = append([]wasm.FieldType{}, d.Fields...)
	case "array":
		d.Kind = wasm.CompArray
		d.Fields = []wasm.FieldType{p.fieldType(c.next())}
	default:
		failNode(n, "unexpected token %s, expected (func ...), (struct ...) or (array ...)", describe(n))
	}
	c.end()
}

// fieldType reads `storagetype` or `(mut storagetype)`.
func (p *moduleParser) fieldType(n *node) wasm.FieldType {
	if head(n) == "mut" {
		c := newCursor(n, 1)
		t := p.storageType(c.next())
		c.end()
		return wasm.FieldType{Type: t, Mutable: true}
	}
	return wasm.FieldType{Type: p.storageType(n)}
}

func (p *moduleParser) storageType(n *node) wasm.ValType {
	if n.kind == kKeyword {
		switch n.text {
		case "i8":
			return wasm.PackedI8
		case "i16":
			return wasm.PackedI16
		}
	}
	return p.valType(n)
}

func (p *moduleParser) defineField(x uint32, id *node, i uint32) {
	names := p.fieldNames[x]
	if names == nil {
		names = map[string]uint32{}
		p.fieldNames[x] = names
	}
	if _, dup := names[id.text]; dup {
		failNode(id, "duplicate field %s", id.text)
	}
	names[id.text] = i
}

// field resolves a field index of struct type x: a number or a field name.
func (p *moduleParser) field(x uint32, n *node) uint32 {
	if n.kind == kID {
		if x < uint32(len(p.fieldNames)) {
			if i, ok := p.fieldNames[x][n.text]; ok {
				return i
			}
		}
		failNode(n, "unknown field %s", n.text)
	}
	return u32(n)
}
