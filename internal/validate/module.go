package validate

import (
	"slices"

	"github.com/moat-run/moat/internal/wasm"
)

// Section ids, for pointing errors at the section an entry came from.
const (
	secType     = 1
	secImport   = 2
	secFunction = 3
	secTable    = 4
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secTag      = 13
)

// module runs the module-level checks in the reference interpreter's order
// (types, imports, tags, functions, memories, tables, globals, data and
// element segments, bodies, start, exports), so that a module with several
// faults reports the same one.
func (v *validator) module() error {
	m := v.m
	if err := v.types(); err != nil {
		return err
	}
	if err := v.imports(); err != nil {
		return err
	}
	if err := v.buildIndexSpaces(); err != nil {
		return err
	}
	if err := v.memoriesAndTables(); err != nil {
		return err
	}
	v.globals = slices.Grow(v.globals, len(m.Globals))
	for i := range m.Globals {
		g := &m.Globals[i]
		if err := v.valType(g.Type.Val, v.sectionOffset(secGlobal)); err != nil {
			return err
		}
		if err := v.constExpr(&g.Init, g.Type.Val); err != nil {
			return err
		}
		v.globals = append(v.globals, g.Type)
		if v.disabled&wasm.FeatureGC == 0 {
			// Since 3.0 a constant expression may read earlier globals.
			v.constGlobals++
		}
	}
	if err := v.datas(); err != nil {
		return err
	}
	if err := v.elems(); err != nil {
		return err
	}
	v.collectDeclaredRefs()
	if !v.skipBodies && !v.deferBodies {
		if err := v.bodies(); err != nil {
			return err
		}
	}
	if err := v.start(); err != nil {
		return v.bodiesFirst(err)
	}
	if err := v.exports(); err != nil {
		return v.bodiesFirst(err)
	}
	return nil
}

// bodiesFirst returns err, a fault found after the bodies' place in the
// order, unless bodies left for later (deferBodies) have one: that is
// the fault a validation of the whole module reports.
func (v *validator) bodiesFirst(err error) error {
	if v.deferBodies {
		if berr := v.bodies(); berr != nil {
			return berr
		}
	}
	return err
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
		var err error
		switch im.Kind {
		case wasm.ExternFunc:
			_, err = v.funcTypeAt(im.Func, off)
		case wasm.ExternTable:
			err = v.tableType(&im.Table, off)
		case wasm.ExternMemory:
			err = v.memoryType(&im.Memory, off)
		case wasm.ExternGlobal:
			err = v.valType(im.Global.Val, off)
		case wasm.ExternTag:
			err = v.tagType(im.Tag, off)
		default:
			err = errAt(off, "invalid import kind %d", im.Kind)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// funcTypeAt returns the function type at type index x, or the error for
// a type index that is unknown or not a function type.
func (v *validator) funcTypeAt(x uint32, off int) (*wasm.FuncType, error) {
	if x >= uint32(len(v.m.Types)) {
		return nil, errAt(off, "unknown type %d", x)
	}
	ft := v.m.FuncType(x)
	if ft == nil {
		return nil, errAt(off, "non-function type %d", x)
	}
	return ft, nil
}

// tagType checks a tag's type: a function type without results.
func (v *validator) tagType(t wasm.Tag, off int) error {
	if err := v.use(wasm.FeatureExceptions, off, wasm.NoFunc); err != nil {
		return err
	}
	ft, err := v.funcTypeAt(t.Type, off)
	if err != nil {
		return err
	}
	if len(ft.Results) != 0 {
		return errAt(off, "non-empty tag result type")
	}
	return nil
}

// buildIndexSpaces flattens the function, table, memory, global and tag
// index spaces (imports first; defined globals are added as they are
// checked) so that each lookup in a body is one slice index. Their size is
// bounded by the number of entries the decoder read.
func (v *validator) buildIndexSpaces() error {
	m := v.m
	n := len(m.Imports) + len(m.Funcs)
	v.funcTypes = make([]*wasm.FuncType, 0, n)
	v.funcTypeX = make([]uint32, 0, n)
	for i := range m.Imports {
		im := &m.Imports[i]
		switch im.Kind {
		case wasm.ExternFunc:
			v.funcTypes = append(v.funcTypes, m.FuncType(im.Func))
			v.funcTypeX = append(v.funcTypeX, im.Func)
		case wasm.ExternTable:
			v.tables = append(v.tables, im.Table)
		case wasm.ExternMemory:
			v.memories = append(v.memories, im.Memory)
		case wasm.ExternGlobal:
			v.globals = append(v.globals, im.Global)
		case wasm.ExternTag:
			v.tags = append(v.tags, im.Tag.Type)
		}
	}
	v.constGlobals = uint32(len(v.globals))
	off := v.sectionOffset(secTag)
	for _, t := range m.Tags {
		if err := v.tagType(t, off); err != nil {
			return err
		}
		v.tags = append(v.tags, t.Type)
	}
	off = v.sectionOffset(secFunction)
	for _, ti := range m.Funcs {
		ft, err := v.funcTypeAt(ti, off)
		if err != nil {
			return err
		}
		v.funcTypes = append(v.funcTypes, ft)
		v.funcTypeX = append(v.funcTypeX, ti)
	}
	for i := range m.Tables {
		v.tables = append(v.tables, m.Tables[i].Type)
	}
	v.memories = append(v.memories, m.Memories...)
	v.numDatas = uint32(len(m.Datas))
	for i := range m.Elems {
		v.elemTypes = append(v.elemTypes, m.Elems[i].Type)
	}
	return nil
}

// memoriesAndTables checks the defined memories and tables (with their
// initialisers) and the rule on the number of memories.
func (v *validator) memoriesAndTables() error {
	m := v.m
	off := v.sectionOffset(secMemory)
	for i := range m.Memories {
		if err := v.memoryType(&m.Memories[i], off); err != nil {
			return err
		}
	}
	if len(v.memories) > 1 {
		if v.disabled&wasm.FeatureMultiMemory != 0 {
			return errAt(off, "multiple memories")
		}
		v.used |= wasm.FeatureMultiMemory
	}
	off = v.sectionOffset(secTable)
	for i := range m.Tables {
		t := &m.Tables[i]
		if err := v.tableType(&t.Type, off); err != nil {
			return err
		}
		if t.HasInit {
			if err := v.use(wasm.FeatureFunctionReferences, off, wasm.NoFunc); err != nil {
				return err
			}
			if err := v.constExpr(&t.Init, t.Type.Elem); err != nil {
				return err
			}
		} else if !t.Type.Elem.Nullable() {
			return errAt(off, "type mismatch: a table of non-nullable %s needs an initialiser", t.Type.Elem)
		}
	}
	return nil
}

func (v *validator) tableType(t *wasm.TableType, off int) error {
	if !t.Elem.IsRef() {
		return errAt(off, "malformed reference type")
	}
	if err := v.valType(t.Elem, off); err != nil {
		return err
	}
	if t.Is64 {
		if err := v.use(wasm.FeatureMemory64, off, wasm.NoFunc); err != nil {
			return err
		}
		return checkLimits(t.Limits, 1<<64-1, off, "table size must be at most 2^64-1")
	}
	return checkLimits(t.Limits, 1<<32-1, off, "table size must be at most 2^32-1")
}

func (v *validator) memoryType(t *wasm.MemoryType, off int) error {
	if t.Is64 {
		if err := v.use(wasm.FeatureMemory64, off, wasm.NoFunc); err != nil {
			return err
		}
		return checkLimits(t.Limits, wasm.MaxPages64, off, "memory size must be at most 2^48 pages (256 TiB)")
	}
	return checkLimits(t.Limits, wasm.MaxPages, off, "memory size must be at most 65536 pages (4GiB)")
}

// checkLimits checks min and max against the range, then min <= max, in the
// reference interpreter's order.
func checkLimits(l wasm.Limits, bound uint64, off int, tooLarge string) error {
	if l.Min > bound {
		return errAt(off, "%s", tooLarge)
	}
	if !l.HasMax {
		return nil
	}
	if l.Max > bound {
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
			count = uint32(len(v.memories))
		case wasm.ExternGlobal:
			count = uint32(len(v.globals))
		case wasm.ExternTag:
			count = uint32(len(v.tags))
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
