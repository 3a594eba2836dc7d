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

// Type-section codes (the spec reads them as s7).
const (
	formFunc     = 0x60
	formStruct   = 0x5f
	formArray    = 0x5e
	formSub      = 0x50
	formSubFinal = 0x4f
	formRec      = 0x4e
)

// typeSection reads recursion groups: a rec group of subtypes, or one
// subtype alone (its own group).
func (d *decoder) typeSection(r *reader) error {
	n, err := r.count()
	if err != nil {
		return err
	}
	d.m.Types = prealloc[wasm.TypeDef](n)
	for range n {
		start := uint32(len(d.m.Types))
		size := 1
		if !r.atEnd() && r.buf[r.pos] == formRec && r.off&wasm.FeatureGC == 0 {
			r.pos++
			if size, err = r.count(); err != nil {
				return err
			}
		}
		if len(d.m.Types)+size > maxTypes {
			return errAt(r.offset(), "too many types (more than %d)", maxTypes)
		}
		for range size {
			t, err := r.subType()
			if err != nil {
				return err
			}
			t.RecStart, t.RecSize = start, uint32(size)
			d.m.Types = append(d.m.Types, t)
		}
	}
	return nil
}

// subType reads `sub final? supers comptype` or a bare composite type
// (final, no supertypes).
func (r *reader) subType() (wasm.TypeDef, error) {
	t := wasm.TypeDef{Final: true}
	if !r.atEnd() && (r.buf[r.pos] == formSub || r.buf[r.pos] == formSubFinal) && r.off&wasm.FeatureGC == 0 {
		t.Final = r.buf[r.pos] == formSubFinal
		r.pos++
		n, err := r.count()
		if err != nil {
			return t, err
		}
		t.Supers = make([]uint32, 0, min(n, 16))
		for range n {
			at := r.offset()
			x, err := r.u32()
			if err != nil {
				return t, err
			}
			if x >= maxTypes {
				return t, wasm.Invalidf(at, "unknown type %d", x)
			}
			t.Supers = append(t.Supers, x)
		}
	}
	err := r.compType(&t)
	return t, err
}

func (r *reader) compType(t *wasm.TypeDef) error {
	at := r.offset()
	form, err := r.byte()
	if err != nil {
		return err
	}
	if form != formFunc && r.off&wasm.FeatureGC != 0 {
		form = 0 // struct and array types are malformed without gc
	}
	switch form {
	case formFunc:
		params, err := r.valTypes(limitParams)
		if err != nil {
			return err
		}
		results, err := r.valTypes(limitResults)
		if err != nil {
			return err
		}
		t.Kind, t.Func = wasm.CompFunc, wasm.NewFuncType(params, results)
	case formStruct:
		n, err := r.countUpTo(limitStructFields, 0)
		if err != nil {
			return err
		}
		t.Kind = wasm.CompStruct
		t.Fields = prealloc[wasm.FieldType](n)
		for range n {
			f, err := r.fieldType()
			if err != nil {
				return err
			}
			t.Fields = append(t.Fields, f)
		}
	case formArray:
		f, err := r.fieldType()
		if err != nil {
			return err
		}
		t.Kind, t.Fields = wasm.CompArray, []wasm.FieldType{f}
	default:
		if form&0x80 != 0 { // the spec reads the form as a LEB128 s7
			return errAt(at, "integer representation too long: malformed type form 0x%02x", form)
		}
		return errAt(at, "malformed definition type: form 0x%02x", form)
	}
	return nil
}

func (r *reader) fieldType() (wasm.FieldType, error) {
	t, err := r.storageType()
	if err != nil {
		return wasm.FieldType{}, err
	}
	at := r.offset()
	mut, err := r.byte()
	if err != nil {
		return wasm.FieldType{}, err
	}
	if mut > 1 {
		return wasm.FieldType{}, errAt(at, "malformed mutability 0x%02x", mut)
	}
	return wasm.FieldType{Type: t, Mutable: mut == 1}, nil
}

// valTypes reads a vector of value types, at most l's; nil when empty.
func (r *reader) valTypes(l limit) ([]wasm.ValType, error) {
	n, err := r.countUpTo(l, 0)
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
	n, err := r.countUpTo(limitImports, 0)
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
			im.Memory, err = r.memoryType()
			m.NumImportedMemories++
		case wasm.ExternGlobal:
			im.Global, err = r.globalType()
			m.NumImportedGlobals++
		case wasm.ExternTag:
			if r.off&wasm.FeatureExceptions != 0 {
				return errAt(at, "malformed import kind 0x%02x", kind)
			}
			im.Tag, err = r.tagType()
			m.NumImportedTags++
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
	n, err := r.countUpTo(limitFunctions, int(d.m.NumImportedFuncs))
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

// tableSection reads tables: a table type, or 0x40 0x00, a table type and
// the constant expression that initialises its elements.
func (d *decoder) tableSection(r *reader) error {
	n, err := r.countUpTo(limitTables, int(d.m.NumImportedTables))
	if err != nil {
		return err
	}
	d.m.Tables = prealloc[wasm.Table](n)
	for range n {
		var t wasm.Table
		if !r.atEnd() && r.buf[r.pos] == 0x40 && r.off&wasm.FeatureFunctionReferences == 0 {
			r.pos++
			if err := r.zero(); err != nil {
				return err
			}
			t.HasInit = true
		}
		if t.Type, err = r.tableType(); err != nil {
			return err
		}
		if t.HasInit {
			if t.Init, err = d.constExpr(r); err != nil {
				return err
			}
		}
		d.m.Tables = append(d.m.Tables, t)
	}
	return nil
}

func (d *decoder) memorySection(r *reader) error {
	n, err := r.countUpTo(limitMemories, int(d.m.NumImportedMemories))
	if err != nil {
		return err
	}
	d.m.Memories = prealloc[wasm.MemoryType](n)
	for range n {
		mt, err := r.memoryType()
		if err != nil {
			return err
		}
		d.m.Memories = append(d.m.Memories, mt)
	}
	return nil
}

func (d *decoder) tagSection(r *reader) error {
	n, err := r.countUpTo(limitTags, int(d.m.NumImportedTags))
	if err != nil {
		return err
	}
	d.m.Tags = prealloc[wasm.Tag](n)
	for range n {
		t, err := r.tagType()
		if err != nil {
			return err
		}
		d.m.Tags = append(d.m.Tags, t)
	}
	return nil
}

// tagType reads a tag's attribute byte (0: exception) and type index.
func (r *reader) tagType() (wasm.Tag, error) {
	at := r.offset()
	attr, err := r.byte()
	if err != nil {
		return wasm.Tag{}, err
	}
	if attr != 0 {
		return wasm.Tag{}, errAt(at, "malformed tag attribute 0x%02x", attr)
	}
	x, err := r.u32()
	return wasm.Tag{Type: x}, err
}

func (d *decoder) globalSection(r *reader) error {
	n, err := r.countUpTo(limitGlobals, int(d.m.NumImportedGlobals))
	if err != nil {
		return err
	}
	// A global takes at least three bytes (its type, mutability and an
	// end), so the section's size bounds the count as well as it can be
	// trusted: one allocation rather than a slice grown by copying.
	d.m.Globals = make([]wasm.Global, 0, min(n, r.remaining()/3))
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
	n, err := r.countUpTo(limitExports, 0)
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
		if kind > byte(wasm.ExternTag) || (kind == byte(wasm.ExternTag) && r.off&wasm.FeatureExceptions != 0) {
			return errAt(at, "malformed export kind 0x%02x", kind)
		}
		ex.Kind = wasm.ExternKind(kind)
		if ex.Index, err = r.u32(); err != nil {
			return err
		}
	}
	return nil
}

// limits reads a limits flags byte (bit 0: a maximum follows, bit 2: 64-bit
// addresses) and the bounds, which the spec reads as u64 either way.
func (r *reader) limits() (l wasm.Limits, is64 bool, err error) {
	at := r.offset()
	flags, err := r.byte()
	if err != nil {
		return l, false, err
	}
	allowed := byte(0x05)
	if r.off&wasm.FeatureMemory64 != 0 {
		allowed = 0x01
	}
	if flags&^allowed != 0 {
		// The spec reads the flags as a LEB128 u32 with only these bits.
		if flags&0x80 != 0 {
			return l, false, errAt(at, "integer representation too long: malformed limits flags 0x%02x", flags)
		}
		return l, false, errAt(at, "integer too large: malformed limits flags 0x%02x", flags)
	}
	l.HasMax, is64 = flags&1 != 0, flags&4 != 0
	bound := r.u64
	if r.off&wasm.FeatureMemory64 != 0 {
		bound = r.u32as64 // 2.0 limits are u32
	}
	if l.Min, err = bound(); err != nil {
		return l, is64, err
	}
	if l.HasMax {
		l.Max, err = bound()
	}
	return l, is64, err
}

func (r *reader) memoryType() (wasm.MemoryType, error) {
	l, is64, err := r.limits()
	return wasm.MemoryType{Limits: l, Is64: is64}, err
}

func (r *reader) tableType() (wasm.TableType, error) {
	var t wasm.TableType
	var err error
	if t.Elem, err = r.refType(); err != nil {
		return t, err
	}
	t.Limits, t.Is64, err = r.limits()
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
