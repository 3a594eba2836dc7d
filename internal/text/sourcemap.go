package text

import (
	"sort"

	"github.com/moat-run/moat/internal/wasm"
)

// Pos is a 1-based line and column (in bytes) of text-format source.
type Pos struct{ Line, Column int }

// SourceMap records where the parts of a parsed module were written, so that
// an error found in the binary the module encodes to (the validator's, with
// a byte offset) can be reported at its place in the text.
//
// The field slices are indexed like the module model's: Funcs[i] is the
// field that defined m.Funcs[i], Exports[i] the field that made
// m.Exports[i] (an inline export gives its func, table, memory or global
// field), and so on. A type the parser added for a type use is located at
// the field that used it.
type SourceMap struct {
	Types, Imports, Funcs, Tables, Memories, Globals, Exports, Elems, Datas []Pos
	Start                                                                   Pos
	// Bodies holds, for each defined function, where each instruction of
	// its encoded body (wasm.Code.Body) begins and where it was written,
	// by increasing offset. The final end is located at the func field;
	// the end of a folded block at the block.
	Bodies [][]InstrPos
}

// InstrPos locates one instruction: its offset in wasm.Code.Body and the
// keyword (or, for an implicit end, the list) that made it. It is kept
// small, as a map holds one per instruction; positions past 2^32-1
// saturate.
type InstrPos struct {
	Offset, Line, Column uint32
}

// Pos is where the instruction was written.
func (p InstrPos) Pos() Pos { return Pos{int(p.Line), int(p.Column)} }

func newInstrPos(offset int, n *node) InstrPos {
	return InstrPos{Offset: saturate(offset), Line: saturate(n.line), Column: saturate(n.col)}
}

func saturate(v int) uint32 { return uint32(min(max(v, 0), 1<<32-1)) }

// ParseModuleMap is ParseModule, and also returns where each part of the
// module was written. The map is nil for `(module binary ...)` and
// `(module quote ...)`, whose positions are not in src.
func ParseModuleMap(src []byte) (m *wasm.Module, sm *SourceMap, err error) {
	defer catch(&err)
	top := parseTree(src)
	if len(top) == 1 && head(top[0]) == "module" {
		def := moduleDef(top[0])
		if def.Form != ModuleText {
			m, err := def.Compile()
			return m, nil, err
		}
		return parseFieldsMap(def.fields, def.Name)
	}
	for _, n := range top {
		if n.kind != kList {
			failNode(n, "unexpected token %s", describe(n))
		}
	}
	return parseFieldsMap(top, "")
}

func parseFieldsMap(fields []*node, moduleID string) (*wasm.Module, *SourceMap, error) {
	for _, f := range fields {
		if f.kind != kList {
			failNode(f, "unexpected token %s", describe(f))
		}
	}
	sm := &SourceMap{}
	return parseFieldsInto(fields, moduleID, sm), sm, nil
}

// entryCounts are the lengths of the model's slices a field can add to.
type entryCounts [9]int

func countEntries(m *wasm.Module) entryCounts {
	return entryCounts{len(m.Types), len(m.Imports), len(m.Funcs), len(m.Tables), len(m.Memories),
		len(m.Globals), len(m.Exports), len(m.Elems), len(m.Datas)}
}

// recordField locates at f every entry the field added since before.
func (sm *SourceMap) recordField(before entryCounts, m *wasm.Module, f *node) {
	at := Pos{f.line, f.col}
	after := countEntries(m)
	lists := [...]*[]Pos{&sm.Types, &sm.Imports, &sm.Funcs, &sm.Tables, &sm.Memories,
		&sm.Globals, &sm.Exports, &sm.Elems, &sm.Datas}
	for k, list := range lists {
		for range after[k] - before[k] {
			*list = append(*list, at)
		}
	}
}

// Section ids of the binary format, for Locate.
const (
	secType     = 1
	secImport   = 2
	secFunction = 3
	secTable    = 4
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secElement  = 9
	secCode     = 10
	secData     = 11
)

// Locate finds where the byte at offset off of a module's binary was
// written. bin is that binary decoded: the module this map was made for,
// encoded by binary.Encode and decoded again (Locate reads its section,
// body and constant-expression offsets). An offset inside a body gives the
// instruction there; inside a global, element or data segment the field
// that wrote it; anywhere else in a section (validation errors about an
// import, export, table or memory point at their section) the field that
// made the section's only entry. ok is false otherwise: the offset lies
// outside every section the map knows, or in a section of several entries.
func (sm *SourceMap) Locate(bin *wasm.Module, off int) (pos Pos, ok bool) {
	if sm == nil || bin == nil || off < 0 {
		return Pos{}, false
	}
	var sec *wasm.SectionInfo
	for i := range bin.Sections {
		s := &bin.Sections[i]
		if s.ID != 0 && off >= s.Offset && off <= s.Offset+s.Size {
			sec = s
		}
	}
	if sec == nil {
		return Pos{}, false
	}
	switch sec.ID {
	case secCode:
		return sm.locateCode(bin, off)
	case secGlobal:
		return lastAtOrBefore(sm.Globals, len(bin.Globals), off, func(i int) int { return int(bin.Globals[i].Init.Offset) })
	case secElement:
		return lastAtOrBefore(sm.Elems, len(bin.Elems), off, func(i int) int { return elemStart(&bin.Elems[i]) })
	case secData:
		return lastAtOrBefore(sm.Datas, len(bin.Datas), off, func(i int) int { return dataStart(&bin.Datas[i]) })
	case secStart:
		return sm.Start, sm.Start.Line > 0
	}
	// The validator points errors about these entries at their section,
	// not at the entry: only a section of one entry says which it is.
	lists := map[byte][]Pos{secType: sm.Types, secImport: sm.Imports, secFunction: sm.Funcs,
		secTable: sm.Tables, secMemory: sm.Memories, secExport: sm.Exports}
	if list := lists[sec.ID]; len(list) == 1 {
		return list[0], true
	}
	return Pos{}, false
}

// locateCode finds the instruction at off, or the func field when off lies
// in a body's header (its size and locals).
func (sm *SourceMap) locateCode(bin *wasm.Module, off int) (Pos, bool) {
	for i := range bin.Code {
		c := &bin.Code[i]
		if off >= c.Offset+len(c.Body) {
			continue
		}
		if i >= len(sm.Bodies) || i >= len(sm.Funcs) {
			return Pos{}, false
		}
		instrs := sm.Bodies[i]
		rel := off - c.Offset
		// The last instruction that starts at or before rel holds it.
		j := sort.Search(len(instrs), func(j int) bool { return int(instrs[j].Offset) > rel }) - 1
		if rel < 0 || j < 0 {
			return sm.Funcs[i], true
		}
		return instrs[j].Pos(), true
	}
	return Pos{}, false
}

// lastAtOrBefore picks the last of n entries whose start (-1: unknown) is
// at or before off, or the first entry when none is.
func lastAtOrBefore(list []Pos, n int, off int, start func(int) int) (Pos, bool) {
	if len(list) == 0 || len(list) != n {
		return Pos{}, false
	}
	best := 0
	for i := range n {
		if s := start(i); s >= 0 && s <= off {
			best = i
		}
	}
	return list[best], true
}

// elemStart is the offset of a segment's first constant expression.
func elemStart(s *wasm.ElemSegment) int {
	if s.Mode == wasm.ElemActive {
		return int(s.Offset.Offset)
	}
	if len(s.Items) > 0 {
		return int(s.Items[0].Offset)
	}
	if len(s.Funcs) > 0 {
		return s.FuncOffset(0)
	}
	return -1
}

// dataStart is the offset of an active segment's offset expression.
func dataStart(d *wasm.DataSegment) int {
	if d.Mode == wasm.DataActive {
		return int(d.Offset.Offset)
	}
	return -1
}
