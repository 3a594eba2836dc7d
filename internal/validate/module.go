package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// Section ids, for pointing errors at the section an entry came from.
const (
	secImport   = 2
	secFunction = 3
	secTable    = 4
	secMemory   = 5
	secExport   = 7
	secStart    = 8
)

// module runs the module-level checks in the reference interpreter's order
// (imports, globals, tables, memories, segments, bodies, start, exports,
// memory count), so that a module with several faults reports the same one.
func (v *validator) module() error {
	m := v.m
	if err := v.imports(); err != nil {
		return err
	}
	if err := v.buildIndexSpaces(); err != nil {
		return err
	}
	for i := range m.Globals {
		g := &m.Globals[i]
		if err := v.constExpr(&g.Init, g.Type.Val); err != nil {
			return err
		}
	}
	for i := range m.Globals {
		v.globals = append(v.globals, m.Globals[i].Type)
	}
	for i := range m.Tables {
		if err := checkTableType(&m.Tables[i], v.sectionOffset(secTable)); err != nil {
			return err
		}
	}
	for i := range m.Memories {
		if err := checkMemoryType(&m.Memories[i], v.sectionOffset(secMemory)); err != nil {
			return err
		}
	}
	if err := v.elems(); err != nil {
		return err
	}
	if err := v.datas(); err != nil {
		return err
	}
	v.collectDeclaredRefs()
	if !v.skipBodies {
		if err := v.bodies(); err != nil {
			return err
		}
	}
	if err := v.start(); err != nil {
		return err
	}
	if err := v.exports(); err != nil {
		return err
	}
	if v.numMems > 1 {
		return errAt(v.sectionOffset(secMemory), "multiple memories")
	}
	return nil
}

// sectionOffset is the offset of the first section with the given id, or -1.
func (v *validator) sectionOffset(id byte) int {
	for _, s := range v.m.Sections {
		if s.ID == id {
			return s.Offset
		}
	}
	return -1
}

func (v *validator) imports() error {
	m := v.m
	off := v.sectionOffset(secImport)
	for i := range m.Imports {
		im := &m.Imports[i]
		switch im.Kind {
		case wasm.ExternFunc:
			if im.Func >= uint32(len(m.Types)) {
				return errAt(off, "unknown type %d", im.Func)
			}
		case wasm.ExternTable:
			if err := checkTableType(&im.Table, off); err != nil {
				return err
			}
		case wasm.ExternMemory:
			if err := checkMemoryType(&im.Memory, off); err != nil {
				return err
			}
		case wasm.ExternGlobal:
			if !validValType(im.Global.Val) {
				return errAt(off, "invalid global type")
			}
		default:
			return errAt(off, "invalid import kind %d", im.Kind)
		}
	}
	return nil
}

// buildIndexSpaces flattens the function, table and global index spaces
// (imports first) so that each lookup in a body is one slice index. Their
// size is bounded by the number of entries the decoder read.
func (v *validator) buildIndexSpaces() error {
	m := v.m
	n := len(m.Imports) + len(m.Funcs)
	v.funcTypes = make([]*wasm.FuncType, 0, n)
	for i := range m.Imports {
		im := &m.Imports[i]
		switch im.Kind {
		case wasm.ExternFunc:
			v.funcTypes = append(v.funcTypes, &m.Types[im.Func])
		case wasm.ExternTable:
			v.tables = append(v.tables, im.Table)
		case wasm.ExternMemory:
			v.numMems++
		case wasm.ExternGlobal:
			v.globals = append(v.globals, im.Global)
		}
	}
	off := v.sectionOffset(secFunction)
	for _, ti := range m.Funcs {
		if ti >= uint32(len(m.Types)) {
			return errAt(off, "unknown type %d", ti)
		}
		v.funcTypes = append(v.funcTypes, &m.Types[ti])
	}
	v.importedGlobals = uint32(len(v.globals))
	v.tables = append(v.tables, m.Tables...)
	v.numMems += uint32(len(m.Memories))
	v.numElems = uint32(len(m.Elems))
	v.numDatas = uint32(len(m.Datas))
	return nil
}

func checkTableType(t *wasm.TableType, off int) error {
	if !t.Elem.IsRef() {
		return errAt(off, "malformed reference type")
	}
	return checkLimits(t.Limits, 1<<32-1, off, "table size must be at most 2^32-1")
}

func checkMemoryType(t *wasm.MemoryType, off int) error {
	return checkLimits(t.Limits, wasm.MaxPages, off, "memory size must be at most 65536 pages (4GiB)")
}

// checkLimits checks min and max against the range, then min <= max, in the
// reference interpreter's order.
func checkLimits(l wasm.Limits, bound uint64, off int, tooLarge string) error {
	if uint64(l.Min) > bound {
		return errAt(off, "%s", tooLarge)
	}
	if !l.HasMax {
		return nil
	}
	if uint64(l.Max) > bound {
		return errAt(off, "%s", tooLarge)
	}
	if l.Min > l.Max {
		return errAt(off, "size minimum must not be greater than maximum")
	}
	return nil
}

func (v *validator) start() error {
	m := v.m
	if !m.HasStart {
		return nil
	}
	off := v.sectionOffset(secStart)
	if m.Start >= uint32(len(v.funcTypes)) {
		return errAt(off, "unknown function %d", m.Start)
	}
	ft := v.funcTypes[m.Start]
	if len(ft.Params) != 0 || len(ft.Results) != 0 {
		return errAt(off, "start function must have type [] -> []")
	}
	return nil
}

func (v *validator) exports() error {
	m := v.m
	off := v.sectionOffset(secExport)
	var names map[string]struct{}
	if len(m.Exports) > 1 {
		names = make(map[string]struct{}, len(m.Exports))
	}
	for i := range m.Exports {
		e := &m.Exports[i]
		var count uint32
		switch e.Kind {
		case wasm.ExternFunc:
			count = uint32(len(v.funcTypes))
		case wasm.ExternTable:
			count = uint32(len(v.tables))
		case wasm.ExternMemory:
			count = v.numMems
		case wasm.ExternGlobal:
			count = uint32(len(v.globals))
		default:
			return errAt(off, "invalid export kind %d", e.Kind)
		}
		if e.Index >= count {
			return errAt(off, "unknown %s %d", externName(e.Kind), e.Index)
		}
		if names != nil {
			if _, dup := names[e.Name]; dup {
				return errAt(off, "duplicate export name %q", e.Name)
			}
			names[e.Name] = struct{}{}
		}
	}
	return nil
}

// externName is the reference interpreter's word for an index space.
func externName(k wasm.ExternKind) string {
	if k == wasm.ExternFunc {
		return "function"
	}
	return k.String()
}
