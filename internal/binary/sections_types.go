package binary

import (
	"github.com/moat-run/moat/internal/wasm"
)

// Sections that declare things: type, import, function, table, memory,
// global, export, plus custom sections.

func (d *decoder) customSection(r *reader, info *wasm.SectionInfo) error {
	name, err := r.name()
	if err != nil {
		return err
	}
	info.Name = name
	at := r.offset()
	data, _ := r.fixed(r.remaining())
	d.m.Customs = append(d.m.Customs, wasm.CustomSection{Name: name, Data: data, Offset: at})
	if name == "name" {
		d.m.Names = parseNames(data, at)
	}
	return nil
}

func (d *decoder) typeSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Types = prealloc[wasm.FuncType](n)
	for range n {
		at := r.offset()
		form, err := r.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			if form&0x80 != 0 { // the spec reads the form as a LEB128 s7
				return errAt(at, "integer representation too long: malformed function type form 0x%02x", form)
			}
			return errAt(at, "malformed function type: form 0x%02x, want 0x60", form)
		}
		params, err := r.valTypes()
		if err != nil {
			return err
		}
		results, err := r.valTypes()
		if err != nil {
			return err
		}
		d.m.Types = append(d.m.Types, wasm.NewFuncType(params, results))
	}
	return nil
}

// valTypes reads a vector of value types; nil when empty.
func (r *reader) valTypes() ([]wasm.ValType, error) {
	n, err := r.count()
	if err != nil || n == 0 {
		return nil, err
	}
	ts := make([]wasm.ValType, n)
	for i := range ts {
		if ts[i], err = r.valType(); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

func (d *decoder) importSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	m := d.m
	m.Imports = prealloc[wasm.Import](n)
	for range n {
		m.Imports = append(m.Imports, wasm.Import{})
		im := &m.Imports[len(m.Imports)-1]
		if im.Module, err = r.name(); err != nil {
			return err
		}
		if im.Name, err = r.name(); err != nil {
			return err
		}
		at := r.offset()
		kind, err := r.byte()
		if err != nil {
			return err
		}
		im.Kind = wasm.ExternKind(kind)
		switch im.Kind {
		case wasm.ExternFunc:
			im.Func, err = r.u32()
			m.NumImportedFuncs++
		case wasm.ExternTable:
			im.Table, err = r.tableType()
			m.NumImportedTables++
		case wasm.ExternMemory:
			im.Memory.Limits, err = r.limits()
			m.NumImportedMemories++
		case wasm.ExternGlobal:
			im.Global, err = r.globalType()
			m.NumImportedGlobals++
		default:
			return errAt(at, "malformed import kind 0x%02x", kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) functionSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.sawFuncSec = true
	d.funcDecls = n
	d.m.Funcs = make([]uint32, n)
	for i := range d.m.Funcs {
		if d.m.Funcs[i], err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) tableSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Tables = prealloc[wasm.TableType](n)
	for range n {
		t, err := r.tableType()
		if err != nil {
			return err
		}
		d.m.Tables = append(d.m.Tables, t)
	}
	return nil
}

func (d *decoder) memorySection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Memories = prealloc[wasm.MemoryType](n)
	for range n {
		l, err := r.limits()
		if err != nil {
			return err
		}
		d.m.Memories = append(d.m.Memories, wasm.MemoryType{Limits: l})
	}
	return nil
}

func (d *decoder) globalSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Globals = prealloc[wasm.Global](n)
	for range n {
		d.m.Globals = append(d.m.Globals, wasm.Global{})
		g := &d.m.Globals[len(d.m.Globals)-1]
		if g.Type, err = r.globalType(); err != nil {
			return err
		}
		if g.Init, err = d.constExpr(r); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) exportSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Exports = prealloc[wasm.Export](n)
	for range n {
		d.m.Exports = append(d.m.Exports, wasm.Export{})
		ex := &d.m.Exports[len(d.m.Exports)-1]
		if ex.Name, err = r.name(); err != nil {
			return err
		}
		at := r.offset()
		kind, err := r.byte()
		if err != nil {
			return err
		}
		if kind > byte(wasm.ExternGlobal) {
			return errAt(at, "malformed export kind 0x%02x", kind)
		}
		ex.Kind = wasm.ExternKind(kind)
		if ex.Index, err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

func (r *reader) limits() (wasm.Limits, error) {
	at := r.offset()
	flags, err := r.byte()
	if err != nil {
		return wasm.Limits{}, err
	}
	var l wasm.Limits
	switch flags {
	case 0x00:
	case 0x01:
		l.HasMax = true
	default:
		// The spec reads the flags as a LEB128 u32 that must be 0 or 1.
		if flags&0x80 != 0 {
			return l, errAt(at, "integer representation too long: malformed limits flags 0x%02x", flags)
		}
		return l, errAt(at, "integer too large: malformed limits flags 0x%02x", flags)
	}
	if l.Min, err = r.u32(); err != nil {
		return l, err
	}
	if l.HasMax {
		l.Max, err = r.u32()
	}
	return l, err
}

func (r *reader) tableType() (wasm.TableType, error) {
	var t wasm.TableType
	var err error
	if t.Elem, err = r.refType(); err != nil {
		return t, err
	}
	t.Limits, err = r.limits()
	return t, err
}

func (r *reader) globalType() (wasm.GlobalType, error) {
	var g wasm.GlobalType
	var err error
	if g.Val, err = r.valType(); err != nil {
		return g, err
	}
	at := r.offset()
	mut, err := r.byte()
	if err != nil {
		return g, err
	}
	if mut > 1 {
		return g, errAt(at, "malformed mutability 0x%02x", mut)
	}
	g.Mutable = mut == 1
	return g, nil
}
