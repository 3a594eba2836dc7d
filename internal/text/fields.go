package text

import (
	"bytes"

	"github.com/moat-run/moat/internal/wasm"
)

// This file builds the module fields in the second pass; the first pass
// (declare) has already assigned every index, so counters here only
// advance in step with it.

func (p *moduleParser) importField(c *cursor) {
	imp := &wasm.Import{Module: name(c.next()), Name: name(c.next())}
	desc := c.next()
	c.end()
	dc := newCursor(desc, 1)
	id := dc.optID()
	switch head(desc) {
	case "func":
		p.nameFunc(p.m.NumImportedFuncs, id)
		imp.Kind = wasm.ExternFunc
		imp.Func, _ = p.typeUse(dc, true)
	case "table":
		imp.Kind = wasm.ExternTable
		imp.Table = p.tableType(dc)
	case "memory":
		imp.Kind = wasm.ExternMemory
		imp.Memory = memoryType(dc)
	case "global":
		imp.Kind = wasm.ExternGlobal
		imp.Global = p.globalType(dc.next())
	case "tag":
		imp.Kind = wasm.ExternTag
		imp.Tag.Type, _ = p.typeUse(dc, true)
	}
	dc.end()
	p.addImport(imp)
}

func (p *moduleParser) funcField(c *cursor) {
	id := c.optID()
	idx := p.m.NumImportedFuncs + uint32(len(p.m.Funcs))
	p.nameFunc(idx, id)
	p.inlineExports(c, wasm.ExternFunc, idx)
	if imp := p.inlineImport(c); imp != nil {
		imp.Kind = wasm.ExternFunc
		imp.Func, _ = p.typeUse(c, true)
		c.end()
		p.addImport(imp)
		return
	}
	typeIdx, sig := p.typeUse(c, true)
	f := newFuncParser(p)
	for i, id := range sig.paramIDs {
		f.defineLocal(id, uint32(i))
	}
	f.nlocals = uint32(len(sig.params))
	var code wasm.Code
	for c.peekList("local") {
		lc := newCursor(c.next(), 1)
		if id := lc.optID(); id != nil {
			f.defineLocal(id, f.nlocals)
			code.Locals = appendLocal(code.Locals, p.valType(lc.next()))
			f.nlocals++
			lc.end()
			continue
		}
		for !lc.done() {
			code.Locals = appendLocal(code.Locals, p.valType(lc.next()))
			f.nlocals++
		}
	}
	for _, l := range code.Locals {
		code.NumLocals += l.Count
	}
	code.Body = f.body(c)
	p.nameLocals(idx, f.locals)
	p.m.Funcs = append(p.m.Funcs, typeIdx)
	p.m.Code = append(p.m.Code, code)
}

// appendLocal adds one local, merging runs of one type as wabt does.
func appendLocal(ls []wasm.LocalEntry, t wasm.ValType) []wasm.LocalEntry {
	if n := len(ls); n > 0 && ls[n-1].Type == t {
		ls[n-1].Count++
		return ls
	}
	return append(ls, wasm.LocalEntry{Count: 1, Type: t})
}

// tableType reads `addrtype? limits reftype`.
func (p *moduleParser) tableType(c *cursor) wasm.TableType {
	is64 := addrType(c)
	t := wasm.TableType{Limits: limits(c), Is64: is64}
	t.Elem = p.refType(c.next())
	return t
}

// memoryType reads `addrtype? limits`.
func memoryType(c *cursor) wasm.MemoryType {
	is64 := addrType(c)
	return wasm.MemoryType{Limits: limits(c), Is64: is64}
}

// tableField reads a table: imported, with its type and an optional
// initialiser expression, or as `addrtype? reftype (elem ...)`, which also
// makes an active element segment.
func (p *moduleParser) tableField(c *cursor) {
	c.optID()
	idx := p.m.NumImportedTables + uint32(len(p.m.Tables))
	p.inlineExports(c, wasm.ExternTable, idx)
	if imp := p.inlineImport(c); imp != nil {
		imp.Kind = wasm.ExternTable
		imp.Table = p.tableType(c)
		c.end()
		p.addImport(imp)
		return
	}
	if p.tableHasInlineElem(c) {
		is64 := addrType(c)
		t := p.refType(c.next())
		en := c.next()
		c.end()
		if head(en) != "elem" {
			failNode(en, "unexpected token %s, expected (elem ...)", describe(en))
		}
		ec := newCursor(en, 1)
		seg := wasm.ElemSegment{Mode: wasm.ElemActive, Type: t, Table: idx}
		seg.Offset = wasm.NewConstExpr([]wasm.Instr{zeroConst(is64)}, 0)
		if n := ec.peek(); n != nil && n.kind == kList {
			seg.Items = p.elemExprs(ec)
		} else {
			seg.Items = p.funcIndexItems(ec)
		}
		ec.end()
		n := uint64(len(seg.Items))
		tt := wasm.TableType{Elem: t, Limits: wasm.Limits{Min: n, Max: n, HasMax: true}, Is64: is64}
		p.m.Tables = append(p.m.Tables, wasm.Table{Type: tt})
		p.m.Elems = append(p.m.Elems, seg)
		return
	}
	t := wasm.Table{Type: p.tableType(c)}
	if !c.done() {
		t.HasInit = true
		t.Init = wasm.NewConstExpr(p.constExpr(c), 0)
	}
	p.m.Tables = append(p.m.Tables, t)
}

// zeroConst is the offset 0 of an abbreviated segment, in the address type.
func zeroConst(is64 bool) wasm.Instr {
	if is64 {
		return wasm.Instr{Op: wasm.OpI64Const}
	}
	return wasm.Instr{Op: wasm.OpI32Const}
}

func (p *moduleParser) memoryField(c *cursor) {
	c.optID()
	idx := p.m.NumImportedMemories + uint32(len(p.m.Memories))
	p.inlineExports(c, wasm.ExternMemory, idx)
	if imp := p.inlineImport(c); imp != nil {
		imp.Kind = wasm.ExternMemory
		imp.Memory = memoryType(c)
		c.end()
		p.addImport(imp)
		return
	}
	if memoryHasInlineData(c) {
		is64 := addrType(c)
		dn := c.next()
		c.end()
		data := dataStrings(newCursor(dn, 1))
		pages := (uint64(len(data)) + wasm.PageSize - 1) / wasm.PageSize
		p.m.Memories = append(p.m.Memories, wasm.MemoryType{Limits: wasm.Limits{Min: pages, Max: pages, HasMax: true}, Is64: is64})
		seg := wasm.DataSegment{Mode: wasm.DataActive, Memory: idx, Bytes: data}
		seg.Offset = wasm.NewConstExpr([]wasm.Instr{zeroConst(is64)}, 0)
		p.m.Datas = append(p.m.Datas, seg)
		return
	}
	mt := memoryType(c)
	c.end()
	p.m.Memories = append(p.m.Memories, mt)
}

func (p *moduleParser) globalField(c *cursor) {
	c.optID()
	idx := p.m.NumImportedGlobals + uint32(len(p.m.Globals))
	p.inlineExports(c, wasm.ExternGlobal, idx)
	if imp := p.inlineImport(c); imp != nil {
		imp.Kind = wasm.ExternGlobal
		imp.Global = p.globalType(c.next())
		c.end()
		p.addImport(imp)
		return
	}
	g := wasm.Global{Type: p.globalType(c.next())}
	g.Init = wasm.NewConstExpr(p.constExpr(c), 0)
	p.m.Globals = append(p.m.Globals, g)
}

// tagField reads `(tag id? export* import? typeuse)`.
func (p *moduleParser) tagField(c *cursor) {
	c.optID()
	idx := p.m.NumImportedTags + uint32(len(p.m.Tags))
	p.inlineExports(c, wasm.ExternTag, idx)
	if imp := p.inlineImport(c); imp != nil {
		imp.Kind = wasm.ExternTag
		imp.Tag.Type, _ = p.typeUse(c, true)
		c.end()
		p.addImport(imp)
		return
	}
	x, _ := p.typeUse(c, true)
	c.end()
	p.m.Tags = append(p.m.Tags, wasm.Tag{Type: x})
}

var externKinds = map[string]wasm.ExternKind{
	"func": wasm.ExternFunc, "table": wasm.ExternTable, "memory": wasm.ExternMemory, "global": wasm.ExternGlobal,
	"tag": wasm.ExternTag,
}

func (p *moduleParser) exportField(c *cursor) {
	nm := name(c.next())
	desc := c.next()
	c.end()
	kind, ok := externKinds[head(desc)]
	if !ok {
		failNode(desc, "unexpected token %s, expected an export description", describe(desc))
	}
	dc := newCursor(desc, 1)
	var idx uint32
	switch kind {
	case wasm.ExternFunc:
		idx = p.funcs.resolve(dc.next())
	case wasm.ExternTable:
		idx = p.tables.resolve(dc.next())
	case wasm.ExternMemory:
		idx = p.mems.resolve(dc.next())
	case wasm.ExternGlobal:
		idx = p.globals.resolve(dc.next())
	case wasm.ExternTag:
		idx = p.tags.resolve(dc.next())
	}
	dc.end()
	p.m.Exports = append(p.m.Exports, wasm.Export{Name: nm, Kind: kind, Index: idx})
}

// elemField reads every form of element segment:
//
//	(elem id? elemlist)                              passive
//	(elem id? declare elemlist)                      declarative
//	(elem id? (table x)? offset elemlist)            active
//	(elem id? offset funcidx*)                       active, table 0, (ref func)
//
// where offset is (offset instr*) or one folded instruction, and elemlist
// is `func funcidx*` (a segment of (ref func)) or `reftype item*`.
func (p *moduleParser) elemField(c *cursor) {
	c.optID()
	seg := wasm.ElemSegment{Mode: wasm.ElemPassive, Type: wasm.RefType(false, wasm.HeapFunc)}
	switch {
	case c.peekKeyword("declare"):
		c.next()
		seg.Mode = wasm.ElemDeclarative
	case c.peekList("table") || (c.peek() != nil && c.peek().kind == kList && !isRefType(c.peek())):
		seg.Mode = wasm.ElemActive
		if c.peekList("table") {
			tc := newCursor(c.next(), 1)
			seg.Table = p.tables.resolve(tc.next())
			tc.end()
		}
		seg.Offset = wasm.NewConstExpr(p.offsetExpr(c), 0)
	case isIndex(c.peek()):
		// An old abbreviation: the table index written bare before the offset.
		seg.Mode = wasm.ElemActive
		seg.Table = p.tables.resolve(c.next())
		seg.Offset = wasm.NewConstExpr(p.offsetExpr(c), 0)
	}
	n := c.peek()
	switch {
	case n != nil && n.kind == kKeyword && n.text == "func":
		c.next()
		seg.Items = p.funcIndexItems(c)
	case isRefType(n):
		seg.Type = p.refType(c.next())
		seg.Items = p.elemExprs(c)
	case seg.Mode == wasm.ElemActive:
		seg.Items = p.funcIndexItems(c)
	default:
		if n == nil {
			c.failEnd()
		}
		failNode(n, "unexpected token %s, expected an element list", describe(n))
	}
	c.end()
	p.m.Elems = append(p.m.Elems, seg)
}

// offsetExpr reads `(offset instr*)` or its abbreviation, one folded instruction.
func (p *moduleParser) offsetExpr(c *cursor) []wasm.Instr {
	n := c.next()
	if n.kind != kList {
		failNode(n, "unexpected token %s, expected an offset", describe(n))
	}
	if head(n) == "offset" {
		return p.constExpr(newCursor(n, 1))
	}
	return p.constExpr(&cursor{list: n, kids: []*node{n}})
}

// funcIndexItems reads funcidx* as ref.func items.
func (p *moduleParser) funcIndexItems(c *cursor) []wasm.ConstExpr {
	var items []wasm.ConstExpr
	for isIndex(c.peek()) {
		x := p.funcs.resolve(c.next())
		items = append(items, wasm.NewConstExpr([]wasm.Instr{{Op: wasm.OpRefFunc, X: x}}, 0))
	}
	return items
}

// elemExprs reads `(item instr*)` or one folded instruction per item.
func (p *moduleParser) elemExprs(c *cursor) []wasm.ConstExpr {
	var items []wasm.ConstExpr
	for !c.done() {
		n := c.next()
		if n.kind != kList {
			failNode(n, "unexpected token %s, expected an element expression", describe(n))
		}
		var e wasm.ConstExpr
		if head(n) == "item" {
			e = wasm.NewConstExpr(p.constExpr(newCursor(n, 1)), 0)
		} else {
			e = wasm.NewConstExpr(p.constExpr(&cursor{list: n, kids: []*node{n}}), 0)
		}
		items = append(items, e)
	}
	return items
}

// dataField reads `(data id? string*)` (passive) or
// `(data id? (memory x)? offset string*)` (active).
func (p *moduleParser) dataField(c *cursor) {
	c.optID()
	seg := wasm.DataSegment{Mode: wasm.DataPassive}
	if c.peekList("memory") {
		mc := newCursor(c.next(), 1)
		seg.Memory = p.mems.resolve(mc.next())
		mc.end()
		seg.Mode = wasm.DataActive
		seg.Offset = wasm.NewConstExpr(p.offsetExpr(c), 0)
	} else if isIndex(c.peek()) {
		seg.Memory = p.mems.resolve(c.next())
		seg.Mode = wasm.DataActive
		seg.Offset = wasm.NewConstExpr(p.offsetExpr(c), 0)
	} else if n := c.peek(); n != nil && n.kind == kList {
		seg.Mode = wasm.DataActive
		seg.Offset = wasm.NewConstExpr(p.offsetExpr(c), 0)
	}
	seg.Bytes = dataStrings(c)
	p.m.Datas = append(p.m.Datas, seg)
}

// dataStrings concatenates the strings left in c.
func dataStrings(c *cursor) []byte {
	var b bytes.Buffer
	for !c.done() {
		b.Write(stringBytes(c.next()))
	}
	return b.Bytes()
}
