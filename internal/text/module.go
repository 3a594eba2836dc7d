package text

import (
	"bytes"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/wasm"
)

// ParseModule parses a text module: either one `(module ...)` (including
// the `(module binary ...)` and `(module quote ...)` forms) or, as wat2wasm
// allows, a bare list of module fields. Code bodies are encoded to binary
// (wasm.Code.Body, Offset 0); everything else is filled as the decoder
// would fill it. Errors are *Error, except that the bytes of a
// `(module binary ...)` are decoded and their errors are *wasm.Error.
func ParseModule(src []byte) (m *wasm.Module, err error) {
	defer catch(&err)
	top := parseTree(src)
	if len(top) == 1 && head(top[0]) == "module" {
		def := moduleDef(top[0])
		return def.Compile()
	}
	for _, n := range top {
		if n.kind != kList {
			failNode(n, "unexpected token %s", describe(n))
		}
	}
	return parseFields(top, ""), nil
}

// space is one index space: its size so far and its identifiers.
type space struct {
	what  string
	names map[string]uint32
	n     uint32
}

// define adds an entry, named by id when id is not nil, and returns its index.
func (s *space) define(id *node) uint32 {
	i := s.n
	if id != nil {
		if s.names == nil {
			s.names = make(map[string]uint32)
		}
		if _, dup := s.names[id.text]; dup {
			failNode(id, "duplicate %s %s", s.what, id.text)
		}
		s.names[id.text] = i
	}
	s.n++
	return i
}

// resolve reads an index: a number, or an identifier defined in s.
func (s *space) resolve(n *node) uint32 {
	if n.kind == kID {
		i, ok := s.names[n.text]
		if !ok {
			failNode(n, "unknown %s %s", s.what, n.text)
		}
		return i
	}
	if !isIndex(n) {
		failNode(n, "unexpected token %s, expected a %s index", describe(n), s.what)
	}
	return u32(n)
}

// moduleParser holds the state of one module's parse.
type moduleParser struct {
	m                                                       *wasm.Module
	types, funcs, tables, mems, globals, elems, datas, tags space
	// typeNodes are the (type ...) definitions in order, and fieldNames
	// each type's struct field identifiers (nil when none).
	typeNodes  []*node
	fieldNames []map[string]uint32
	// definedKind is the first kind of definition seen, for the rule that
	// imports precede all definitions.
	definedKind string
	// usesDataIdx is set when a body uses memory.init or data.drop, which
	// in the binary format need the data count section.
	usesDataIdx bool
	scratch     []wasm.Instr
	atScratch   []*node // funcParser.at, reused like scratch
	// typeIndex maps a signature key to its first type index, built when
	// the first implicit type is looked up (after all explicit types).
	typeIndex map[string]uint32
	// srcMap, when not nil, receives the position of every entry and
	// instruction (ParseModuleMap).
	srcMap *SourceMap
}

// parseFields parses a module's fields in two passes: the first assigns
// every index and identifier (references may point forward), the second
// builds the module.
func parseFields(fields []*node, moduleID string) *wasm.Module {
	return parseFieldsInto(fields, moduleID, nil)
}

// parseFieldsInto is parseFields recording positions in sm, when not nil.
func parseFieldsInto(fields []*node, moduleID string, sm *SourceMap) *wasm.Module {
	p := &moduleParser{m: &wasm.Module{}, srcMap: sm}
	p.nameModule(moduleID)
	p.types.what, p.funcs.what, p.tables.what, p.mems.what = "type", "func", "table", "memory"
	p.globals.what, p.elems.what, p.datas.what, p.tags.what = "global", "elem segment", "data segment", "tag"
	for _, f := range fields {
		if sm == nil {
			p.declare(f)
			continue
		}
		before := countEntries(p.m)
		p.declare(f)
		sm.recordField(before, p.m, f)
	}
	p.defineTypes()
	for _, f := range fields {
		if sm == nil {
			p.define(f)
			continue
		}
		before := countEntries(p.m)
		p.define(f)
		sm.recordField(before, p.m, f)
		if head(f) == "start" {
			sm.Start = Pos{f.line, f.col}
		}
	}
	m := p.m
	if p.usesDataIdx && len(m.Datas) > 0 {
		m.HasDataCount = true
		m.DataCount = uint32(len(m.Datas))
	}
	return m
}

// declare is the first pass over one field.
func (p *moduleParser) declare(f *node) {
	if f.kind != kList {
		failNode(f, "unexpected token %s", describe(f))
	}
	h := head(f)
	c := newCursor(f, 1)
	switch h {
	case "type", "rec":
		p.declareTypes(f)
	case "import":
		p.checkImportOrder(f)
		c.next()
		c.next()
		desc := c.next()
		dc := newCursor(desc, 1)
		id := dc.optID()
		switch head(desc) {
		case "func":
			p.funcs.define(id)
		case "table":
			p.tables.define(id)
		case "memory":
			p.mems.define(id)
		case "global":
			p.globals.define(id)
		case "tag":
			p.tags.define(id)
		default:
			failNode(desc, "unexpected token %s, expected an import description", describe(desc))
		}
	case "func", "table", "memory", "global", "tag":
		id := c.optID()
		for c.peekList("export") {
			c.next()
		}
		imported := c.peekList("import")
		if imported {
			p.checkImportOrder(f)
		} else if p.definedKind == "" {
			p.definedKind = map[string]string{"func": "function"}[h]
			if p.definedKind == "" {
				p.definedKind = h
			}
		}
		switch h {
		case "func":
			p.funcs.define(id)
		case "table":
			p.tables.define(id)
			if !imported && p.tableHasInlineElem(c) {
				p.elems.define(nil)
			}
		case "memory":
			p.mems.define(id)
			if !imported && memoryHasInlineData(c) {
				p.datas.define(nil)
			}
		case "global":
			p.globals.define(id)
		case "tag":
			p.tags.define(id)
		}
	case "elem":
		p.elems.define(c.optID())
	case "data":
		p.datas.define(c.optID())
	case "export", "start":
	default:
		failNode(f, "unexpected token %s, expected a module field", describe(f))
	}
}

func (p *moduleParser) checkImportOrder(f *node) {
	if p.definedKind != "" {
		failNode(f, "import after %s", p.definedKind)
	}
}

// tableHasInlineElem reports whether a table definition uses the
// `addrtype? reftype (elem ...)` abbreviation (c is after any exports).
func (p *moduleParser) tableHasInlineElem(c *cursor) bool {
	i := c.i
	if n := c.peek(); n != nil && n.kind == kKeyword && (n.text == "i32" || n.text == "i64") {
		i++
	}
	return i < len(c.kids) && isRefType(c.kids[i])
}

// memoryHasInlineData reports whether a memory definition uses the
// `addrtype? (data ...)` abbreviation (c is after any exports).
func memoryHasInlineData(c *cursor) bool {
	i := c.i
	if n := c.peek(); n != nil && n.kind == kKeyword && (n.text == "i32" || n.text == "i64") {
		i++
	}
	return i < len(c.kids) && head(c.kids[i]) == "data"
}

// define is the second pass over one field.
func (p *moduleParser) define(f *node) {
	c := newCursor(f, 1)
	switch head(f) {
	case "import":
		p.importField(c)
	case "func":
		p.funcField(c)
	case "table":
		p.tableField(c)
	case "memory":
		p.memoryField(c)
	case "global":
		p.globalField(c)
	case "tag":
		p.tagField(c)
	case "export":
		p.exportField(c)
	case "start":
		if p.m.HasStart {
			failNode(f, "multiple start sections")
		}
		p.m.Start = p.funcs.resolve(c.next())
		p.m.HasStart = true
		c.end()
	case "elem":
		p.elemField(c)
	case "data":
		p.dataField(c)
	}
}

// inlineExports reads `(export "name")*` for the entity index idx.
func (p *moduleParser) inlineExports(c *cursor, kind wasm.ExternKind, idx uint32) {
	for c.peekList("export") {
		e := c.next()
		ec := newCursor(e, 1)
		nm := name(ec.next())
		ec.end()
		p.m.Exports = append(p.m.Exports, wasm.Export{Name: nm, Kind: kind, Index: idx})
	}
}

// inlineImport reads `(import "module" "name")` if present.
func (p *moduleParser) inlineImport(c *cursor) (imp *wasm.Import) {
	if !c.peekList("import") {
		return nil
	}
	ic := newCursor(c.next(), 1)
	imp = &wasm.Import{Module: name(ic.next()), Name: name(ic.next())}
	ic.end()
	return imp
}

func (p *moduleParser) addImport(imp *wasm.Import) {
	p.m.Imports = append(p.m.Imports, *imp)
	switch imp.Kind {
	case wasm.ExternFunc:
		p.m.NumImportedFuncs++
	case wasm.ExternTable:
		p.m.NumImportedTables++
	case wasm.ExternMemory:
		p.m.NumImportedMemories++
	case wasm.ExternGlobal:
		p.m.NumImportedGlobals++
	case wasm.ExternTag:
		p.m.NumImportedTags++
	}
}

// moduleDef reads a `(module $id? ...)` node in any of its three forms.
func moduleDef(n *node) *ModuleDef {
	c := newCursor(n, 1)
	def := &ModuleDef{Line: headLine(n), Form: ModuleText}
	if c.peekKeyword("definition") {
		c.next()
		def.Definition = true
	}
	if id := c.optID(); id != nil {
		def.Name = id.text
	}
	switch {
	case c.peekKeyword("binary"):
		c.next()
		def.Form = ModuleBinary
		var b bytes.Buffer
		for !c.done() {
			b.Write(stringBytes(c.next()))
		}
		def.Binary = b.Bytes()
	case c.peekKeyword("quote"):
		c.next()
		def.Form = ModuleQuote
		var b bytes.Buffer
		for !c.done() {
			b.Write(stringBytes(c.next()))
		}
		def.Quote = b.Bytes()
	default:
		def.fields = c.kids[c.i:]
	}
	return def
}

// Compile returns the module def describes: text is parsed (or its parse
// error returned), binary bytes decoded, quoted text parsed now.
func (d *ModuleDef) Compile() (m *wasm.Module, err error) {
	switch d.Form {
	case ModuleBinary:
		return binary.Decode(d.Binary)
	case ModuleQuote:
		return ParseModule(d.Quote)
	}
	if d.Module != nil || d.Err != nil {
		return d.Module, d.Err
	}
	defer catch(&err)
	for _, f := range d.fields {
		if f.kind != kList {
			failNode(f, "unexpected token %s", describe(f))
		}
	}
	return parseFields(d.fields, d.Name), nil
}
