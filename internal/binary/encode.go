package binary

import (
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

// Encode writes m in the binary format, canonically: sections in spec
// order, empty sections left out, every LEB128 in its shortest form, and
// segment flags chosen as wabt chooses them. Function bodies and custom
// sections are copied as they are. A data count section is written when the
// module has one (m.HasDataCount) or needs one (it has data segments and a
// body names one with memory.init or data.drop: wabt's rule). The name section is written from m.Names
// after the data section, followed by the other custom sections; a raw
// `name` custom section is kept only when m.Names is empty.
//
// Encode never fails: it writes whatever the model holds, valid or not, so
// that Decode(Encode(m)) gives back m for every module Decode accepts.
func Encode(m *wasm.Module) []byte {
	b := append([]byte(nil), magic...)
	b = append(b, 1, 0, 0, 0)
	var body []byte // reused section buffer
	section := func(id byte, fill func([]byte) []byte) {
		body = fill(body[:0])
		b = appendSection(b, id, body)
	}
	if len(m.Types) > 0 {
		section(secType, func(s []byte) []byte { return appendTypes(s, m.Types) })
	}
	if len(m.Imports) > 0 {
		section(secImport, func(s []byte) []byte { return appendImports(s, m.Imports) })
	}
	if len(m.Funcs) > 0 {
		section(secFunction, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Funcs)))
			for _, t := range m.Funcs {
				s = appendULEB32(s, t)
			}
			return s
		})
	}
	if len(m.Tables) > 0 {
		section(secTable, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Tables)))
			for i := range m.Tables {
				s = appendTable(s, &m.Tables[i])
			}
			return s
		})
	}
	if len(m.Memories) > 0 {
		section(secMemory, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Memories)))
			for _, mem := range m.Memories {
				s = appendLimits(s, mem.Limits, mem.Is64)
			}
			return s
		})
	}
	if len(m.Tags) > 0 {
		section(secTag, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Tags)))
			for _, t := range m.Tags {
				s = appendULEB32(append(s, 0), t.Type)
			}
			return s
		})
	}
	if len(m.Globals) > 0 {
		section(secGlobal, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Globals)))
			for i := range m.Globals {
				s = appendGlobalType(s, m.Globals[i].Type)
				s = appendConstExpr(s, &m.Globals[i].Init)
			}
			return s
		})
	}
	if len(m.Exports) > 0 {
		section(secExport, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Exports)))
			for _, e := range m.Exports {
				s = appendName(s, e.Name)
				s = append(s, byte(e.Kind))
				s = appendULEB32(s, e.Index)
			}
			return s
		})
	}
	if m.HasStart {
		section(secStart, func(s []byte) []byte { return appendULEB32(s, m.Start) })
	}
	if len(m.Elems) > 0 {
		section(secElement, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Elems)))
			for i := range m.Elems {
				s = appendElem(s, &m.Elems[i])
			}
			return s
		})
	}
	if m.HasDataCount {
		section(secDataCount, func(s []byte) []byte { return appendULEB32(s, m.DataCount) })
	} else if len(m.Datas) > 0 && usesDataIndex(m.Code) {
		section(secDataCount, func(s []byte) []byte { return appendULEB32(s, uint32(len(m.Datas))) })
	}
	if len(m.Code) > 0 {
		section(secCode, func(s []byte) []byte { return appendCode(s, m.Code) })
	}
	if len(m.Datas) > 0 {
		section(secData, func(s []byte) []byte {
			s = appendULEB32(s, uint32(len(m.Datas)))
			for i := range m.Datas {
				s = appendData(s, &m.Datas[i])
			}
			return s
		})
	}
	hasNames := m.Names.Module != "" || len(m.Names.Funcs) > 0 || len(m.Names.Locals) > 0
	if hasNames {
		section(secCustom, func(s []byte) []byte {
			s = appendName(s, "name")
			return appendNameSection(s, &m.Names)
		})
	}
	for _, c := range m.Customs {
		if hasNames && c.Name == "name" {
			continue
		}
		section(secCustom, func(s []byte) []byte {
			s = appendName(s, c.Name)
			return append(s, c.Data...)
		})
	}
	return b
}

// usesDataIndex reports whether a body holds memory.init or data.drop. An
// unreadable body counts as not using them: Encode still writes it as it is.
func usesDataIndex(code []wasm.Code) bool {
	var r ExprReader
	var in wasm.Instr
	for i := range code {
		r.Reset(code[i].Body, 0)
		for r.Next(&in) == nil {
			if in.Op == wasm.OpMemoryInit || in.Op == wasm.OpDataDrop {
				return true
			}
		}
	}
	return false
}

// appendSection writes a section header and its contents.
func appendSection(b []byte, id byte, contents []byte) []byte {
	b = append(b, id)
	b = appendULEB32(b, uint32(len(contents)))
	return append(b, contents...)
}

// appendTypes writes the type section: a type alone in its recursion
// group as itself (a bare composite type when it is final and has no
// supertypes), a larger group as a rec entry.
func appendTypes(b []byte, types []wasm.TypeDef) []byte {
	groups := 0
	for i := 0; i < len(types); i += groupSize(types, i) {
		groups++
	}
	b = appendULEB32(b, uint32(groups))
	for i := 0; i < len(types); {
		n := groupSize(types, i)
		if n > 1 || types[i].RecSize == 0 {
			b = appendULEB32(append(b, formRec), uint32(n))
		}
		for j := i; j < i+n; j++ {
			b = appendSubType(b, &types[j])
		}
		i += n
	}
	return b
}

// groupSize is the size of the recursion group starting at types[i], at
// least one and at most what is left.
func groupSize(types []wasm.TypeDef, i int) int {
	return max(1, min(int(types[i].RecSize), len(types)-i))
}

func appendSubType(b []byte, t *wasm.TypeDef) []byte {
	if !t.Final || len(t.Supers) > 0 {
		form := byte(formSub)
		if t.Final {
			form = formSubFinal
		}
		b = appendULEB32(append(b, form), uint32(len(t.Supers)))
		for _, x := range t.Supers {
			b = appendULEB32(b, x)
		}
	}
	switch t.Kind {
	case wasm.CompStruct:
		b = appendULEB32(append(b, formStruct), uint32(len(t.Fields)))
		for _, f := range t.Fields {
			b = appendFieldType(b, f)
		}
	case wasm.CompArray:
		b = append(b, formArray)
		if len(t.Fields) == 1 {
			b = appendFieldType(b, t.Fields[0])
		}
	default:
		b = append(b, formFunc)
		b = appendValTypes(b, t.Func.Params)
		b = appendValTypes(b, t.Func.Results)
	}
	return b
}

func appendFieldType(b []byte, f wasm.FieldType) []byte {
	mut := byte(0)
	if f.Mutable {
		mut = 1
	}
	return append(appendValType(b, f.Type), mut)
}

func appendValTypes(b []byte, ts []wasm.ValType) []byte {
	b = appendULEB32(b, uint32(len(ts)))
	for _, t := range ts {
		b = appendValType(b, t)
	}
	return b
}

// appendValType writes a value type: a number, vector or packed type's
// code, a nullable abstract reference as its shorthand code, any other
// reference as 0x63 (ref null) or 0x64 (ref) and its heap type.
func appendValType(b []byte, t wasm.ValType) []byte {
	if !t.IsRef() {
		return append(b, byte(t))
	}
	h := t.Heap()
	if t.Nullable() && h.IsAbstract() {
		return append(b, h.Code())
	}
	return appendHeapType(append(b, byte(t)), h)
}

// appendHeapType writes an abstract heap type's code or a type index as a
// non-negative s33.
func appendHeapType(b []byte, h wasm.HeapType) []byte {
	if h.IsAbstract() {
		return append(b, h.Code())
	}
	return appendSLEB64(b, int64(h.Index()))
}

func appendImports(b []byte, imports []wasm.Import) []byte {
	b = appendULEB32(b, uint32(len(imports)))
	for i := range imports {
		im := &imports[i]
		b = appendName(b, im.Module)
		b = appendName(b, im.Name)
		b = append(b, byte(im.Kind))
		switch im.Kind {
		case wasm.ExternFunc:
			b = appendULEB32(b, im.Func)
		case wasm.ExternTable:
			b = appendTableType(b, im.Table)
		case wasm.ExternMemory:
			b = appendLimits(b, im.Memory.Limits, im.Memory.Is64)
		case wasm.ExternGlobal:
			b = appendGlobalType(b, im.Global)
		case wasm.ExternTag:
			b = appendULEB32(append(b, 0), im.Tag.Type)
		}
	}
	return b
}

// appendLimits writes limits flags (bit 0: a maximum, bit 2: 64-bit
// addresses) and the bounds.
func appendLimits(b []byte, l wasm.Limits, is64 bool) []byte {
	flags := byte(0)
	if l.HasMax {
		flags |= 1
	}
	if is64 {
		flags |= 4
	}
	b = appendULEB64(append(b, flags), l.Min)
	if l.HasMax {
		b = appendULEB64(b, l.Max)
	}
	return b
}

func appendTableType(b []byte, t wasm.TableType) []byte {
	return appendLimits(appendValType(b, t.Elem), t.Limits, t.Is64)
}

// appendTable writes a defined table, with 0x40 0x00 and its initialiser
// when it has one.
func appendTable(b []byte, t *wasm.Table) []byte {
	if !t.HasInit {
		return appendTableType(b, t.Type)
	}
	b = appendTableType(append(b, 0x40, 0), t.Type)
	return appendConstExpr(b, &t.Init)
}

func appendGlobalType(b []byte, g wasm.GlobalType) []byte {
	mut := byte(0)
	if g.Mutable {
		mut = 1
	}
	return append(appendValType(b, g.Val), mut)
}

// appendConstExpr writes the expression's instructions and its end.
func appendConstExpr(b []byte, e *wasm.ConstExpr) []byte {
	for i := range e.Len() {
		in := e.At(i)
		b = AppendInstr(b, &in)
	}
	return append(b, byte(wasm.OpEnd))
}

// elemFlags picks the encoding of a segment: function indices when its
// type is (ref func) and every item is one ref.func (flags 0-3, the form
// whose type that is), else expressions (flags 4-7); an explicit table
// index only when needed (table other than 0, or expressions of a type
// other than funcref).
func elemFlags(seg *wasm.ElemSegment) uint32 {
	indices := itemsAreFuncIndices(seg)
	var flags uint32
	switch seg.Mode {
	case wasm.ElemActive:
		if seg.Table != 0 || (!indices && seg.Type != wasm.FuncRef) {
			flags |= 2
		}
	case wasm.ElemPassive:
		flags |= 1
	case wasm.ElemDeclarative:
		flags |= 3
	}
	if !indices {
		flags |= 4
	}
	return flags
}

func itemsAreFuncIndices(seg *wasm.ElemSegment) bool {
	if seg.Type != wasm.RefType(false, wasm.HeapFunc) {
		return false
	}
	if len(seg.Funcs) > 0 {
		return true
	}
	for _, it := range seg.Items {
		if it.Len() != 1 || it.At(0).Op != wasm.OpRefFunc {
			return false
		}
	}
	return true
}

func appendElem(b []byte, seg *wasm.ElemSegment) []byte {
	flags := elemFlags(seg)
	b = appendULEB32(b, flags)
	if seg.Mode == wasm.ElemActive {
		if flags&2 != 0 {
			b = appendULEB32(b, seg.Table)
		}
		b = appendConstExpr(b, &seg.Offset)
	}
	exprs := flags&4 != 0
	if flags&3 != 0 {
		if exprs {
			b = appendValType(b, seg.Type)
		} else {
			b = append(b, 0) // element kind: function references
		}
	}
	if len(seg.Funcs) > 0 {
		b = appendULEB32(b, uint32(len(seg.Funcs)))
		for _, x := range seg.Funcs {
			switch {
			case exprs && x == wasm.NullFuncItem:
				b = append(b, byte(wasm.OpRefNull), 0x70, byte(wasm.OpEnd)) // ref.null func
			case exprs:
				b = append(b, byte(wasm.OpRefFunc))
				b = appendULEB32(b, x)
				b = append(b, byte(wasm.OpEnd))
			default:
				b = appendULEB32(b, x)
			}
		}
		return b
	}
	items := seg.Items
	b = appendULEB32(b, uint32(len(items)))
	for i := range items {
		if exprs {
			b = appendConstExpr(b, &items[i])
		} else {
			b = appendULEB32(b, items[i].At(0).X)
		}
	}
	return b
}

func appendData(b []byte, seg *wasm.DataSegment) []byte {
	switch {
	case seg.Mode == wasm.DataPassive:
		b = append(b, 1)
	case seg.Memory != 0:
		b = appendULEB32(append(b, 2), seg.Memory)
		b = appendConstExpr(b, &seg.Offset)
	default:
		b = appendConstExpr(append(b, 0), &seg.Offset)
	}
	b = appendULEB32(b, uint32(len(seg.Bytes)))
	return append(b, seg.Bytes...)
}

func appendCode(b []byte, code []wasm.Code) []byte {
	b = appendULEB32(b, uint32(len(code)))
	var fn []byte
	for i := range code {
		c := &code[i]
		fn = appendULEB32(fn[:0], uint32(len(c.Locals)))
		for _, l := range c.Locals {
			fn = appendULEB32(fn, l.Count)
			fn = appendValType(fn, l.Type)
		}
		fn = append(fn, c.Body...)
		b = appendULEB32(b, uint32(len(fn)))
		b = append(b, fn...)
	}
	return b
}

// appendNameSection writes the module (0), function (1) and local (2) name
// subsections, indices in increasing order as the format requires.
func appendNameSection(b []byte, ns *wasm.NameSection) []byte {
	var sub []byte
	if ns.Module != "" {
		sub = appendName(sub[:0], ns.Module)
		b = appendSection(b, 0, sub)
	}
	if len(ns.Funcs) > 0 {
		sub = appendNameMap(sub[:0], ns.Funcs)
		b = appendSection(b, 1, sub)
	}
	if len(ns.Locals) > 0 {
		sub = appendULEB32(sub[:0], uint32(len(ns.Locals)))
		for _, idx := range sortedKeys(ns.Locals) {
			sub = appendULEB32(sub, idx)
			sub = appendNameMap(sub, ns.Locals[idx])
		}
		b = appendSection(b, 2, sub)
	}
	return b
}

func appendNameMap(b []byte, names map[uint32]string) []byte {
	b = appendULEB32(b, uint32(len(names)))
	for _, idx := range sortedKeys(names) {
		b = appendULEB32(b, idx)
		b = appendName(b, names[idx])
	}
	return b
}

func sortedKeys[V any](m map[uint32]V) []uint32 {
	keys := make([]uint32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendName writes a length-prefixed UTF-8 name (the bytes as they are).
func appendName(b []byte, s string) []byte {
	b = appendULEB32(b, uint32(len(s)))
	return append(b, s...)
}

// appendULEB32 writes v as an unsigned LEB128 in the fewest bytes.
func appendULEB32(b []byte, v uint32) []byte { return appendULEB64(b, uint64(v)) }

// appendULEB64 writes v as an unsigned LEB128 in the fewest bytes.
func appendULEB64(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendSLEB64 writes v as a signed LEB128 in the fewest bytes.
func appendSLEB64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
