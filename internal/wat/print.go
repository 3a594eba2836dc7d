package wat

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/moat-run/moat/internal/wasm"
)

// Print writes m as a text-format module. It returns the first write error,
// or an error naming a function body that could not be read (the rest of
// the module is still printed).
func Print(w io.Writer, m *wasm.Module) error {
	p := &printer{w: bufio.NewWriter(w), m: m}
	p.module()
	if err := p.w.Flush(); err != nil {
		return err
	}
	return p.err
}

// String returns m as text; a body that cannot be read prints as a comment.
func String(m *wasm.Module) string {
	var b strings.Builder
	_ = Print(&b, m)
	return b.String()
}

type printer struct {
	w   *bufio.Writer
	m   *wasm.Module
	err error // first body that could not be read
}

func (p *printer) printf(format string, args ...any) {
	fmt.Fprintf(p.w, format, args...)
}

func (p *printer) module() {
	m := p.m
	p.w.WriteString("(module")
	if id := identifier(m.Names.Module); id != "" {
		p.w.WriteString(" " + id)
	}
	p.w.WriteByte('\n')
	p.typeSection()
	p.imports()
	funcNames := uniqueNames(m.Names.Funcs)
	for i := range m.Funcs {
		idx := m.NumImportedFuncs + uint32(i)
		p.function(idx, m.Funcs[i], i, funcNames[idx])
	}
	for i, t := range m.Tables {
		p.printf("  (table (;%d;) ", m.NumImportedTables+uint32(i))
		p.tableType(t.Type)
		if t.HasInit {
			p.constExpr(&t.Init)
		}
		p.w.WriteString(")\n")
	}
	for i, mem := range m.Memories {
		p.printf("  (memory (;%d;) ", m.NumImportedMemories+uint32(i))
		p.memoryType(mem)
		p.w.WriteString(")\n")
	}
	for i, t := range m.Tags {
		p.printf("  (tag (;%d;) (type %d))\n", m.NumImportedTags+uint32(i), t.Type)
	}
	for i := range m.Globals {
		g := &m.Globals[i]
		p.printf("  (global (;%d;) ", m.NumImportedGlobals+uint32(i))
		p.globalType(g.Type)
		p.constExpr(&g.Init)
		p.w.WriteString(")\n")
	}
	for _, e := range m.Exports {
		p.printf("  (export %s (%s %d))\n", quote([]byte(e.Name)), e.Kind, e.Index)
	}
	if m.HasStart {
		p.printf("  (start %d)\n", m.Start)
	}
	for i := range m.Elems {
		p.elem(i, &m.Elems[i])
	}
	for i := range m.Datas {
		p.data(i, &m.Datas[i])
	}
	p.w.WriteString(")\n")
}

func (p *printer) params(ts []wasm.ValType) {
	if len(ts) > 0 {
		p.w.WriteString(" (param")
		p.types(ts)
		p.w.WriteByte(')')
	}
}

func (p *printer) results(ts []wasm.ValType) {
	if len(ts) > 0 {
		p.w.WriteString(" (result")
		p.types(ts)
		p.w.WriteByte(')')
	}
}

func (p *printer) types(ts []wasm.ValType) {
	for _, t := range ts {
		p.w.WriteByte(' ')
		p.w.WriteString(valType(t))
	}
}

func (p *printer) imports() {
	m := p.m
	var counts [5]uint32
	for i := range m.Imports {
		im := &m.Imports[i]
		p.printf("  (import %s %s ", quote([]byte(im.Module)), quote([]byte(im.Name)))
		idx := uint32(0)
		if int(im.Kind) < len(counts) {
			idx = counts[im.Kind]
			counts[im.Kind]++
		}
		switch im.Kind {
		case wasm.ExternFunc:
			p.printf("(func (;%d;) (type %d))", idx, im.Func)
		case wasm.ExternTable:
			p.printf("(table (;%d;) ", idx)
			p.tableType(im.Table)
			p.w.WriteByte(')')
		case wasm.ExternMemory:
			p.printf("(memory (;%d;) ", idx)
			p.memoryType(im.Memory)
			p.w.WriteByte(')')
		case wasm.ExternTag:
			p.printf("(tag (;%d;) (type %d))", idx, im.Tag.Type)
		case wasm.ExternGlobal:
			p.printf("(global (;%d;) ", idx)
			p.globalType(im.Global)
			p.w.WriteByte(')')
		default:
			p.printf("(;unknown import kind %d;)", im.Kind)
		}
		p.w.WriteString(")\n")
	}
}

func (p *printer) limits(l wasm.Limits) {
	p.printf("%d", l.Min)
	if l.HasMax {
		p.printf(" %d", l.Max)
	}
}

func (p *printer) tableType(t wasm.TableType) {
	if t.Is64 {
		p.w.WriteString("i64 ")
	}
	p.limits(t.Limits)
	p.w.WriteString(" " + valType(t.Elem))
}

func (p *printer) memoryType(t wasm.MemoryType) {
	if t.Is64 {
		p.w.WriteString("i64 ")
	}
	p.limits(t.Limits)
}

func (p *printer) globalType(g wasm.GlobalType) {
	if g.Mutable {
		p.printf("(mut %s)", valType(g.Val))
	} else {
		p.w.WriteString(valType(g.Val))
	}
}

// constExpr prints the instructions of e on the current line, each in
// parentheses-free flat form, preceded by a space.
func (p *printer) constExpr(e *wasm.ConstExpr) {
	for i := range e.Len() {
		p.w.WriteByte(' ')
		in := e.At(i)
		p.instr(&in)
	}
}

func (p *printer) elem(i int, seg *wasm.ElemSegment) {
	p.printf("  (elem (;%d;)", i)
	switch seg.Mode {
	case wasm.ElemActive:
		p.printf(" (table %d) (offset", seg.Table)
		p.constExpr(&seg.Offset)
		p.w.WriteByte(')')
	case wasm.ElemDeclarative:
		p.w.WriteString(" declare")
	}
	p.w.WriteString(" " + valType(seg.Type))
	items := seg.ItemExprs()
	for j := range items {
		p.w.WriteString(" (item")
		p.constExpr(&items[j])
		p.w.WriteByte(')')
	}
	p.w.WriteString(")\n")
}

func (p *printer) data(i int, seg *wasm.DataSegment) {
	p.printf("  (data (;%d;)", i)
	if seg.Mode == wasm.DataActive {
		p.printf(" (memory %d) (offset", seg.Memory)
		p.constExpr(&seg.Offset)
		p.w.WriteByte(')')
	}
	p.w.WriteString(" " + quote(seg.Bytes) + ")\n")
}

func valType(t wasm.ValType) string {
	if s := t.String(); s != "unknown" {
		return s
	}
	return fmt.Sprintf("(;unknown type 0x%x;)", uint64(t))
}
