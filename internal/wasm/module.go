package wasm

// Module is a decoded module. Indices in every index space count imports
// first, as the spec does: function i < NumImportedFuncs is an import.
type Module struct {
	Types    []TypeDef
	Imports  []Import
	Funcs    []uint32 // type index of each defined (non-imported) function
	Tables   []Table
	Memories []MemoryType
	Tags     []Tag
	Globals  []Global
	Exports  []Export
	Start    uint32
	HasStart bool
	Elems    []ElemSegment
	Datas    []DataSegment
	// DataCount is the data count section's value, when present.
	DataCount    uint32
	HasDataCount bool
	Code         []Code
	Customs      []CustomSection
	Names        NameSection
	Sections     []SectionInfo

	// Counts of imports by kind, filled by the decoder.
	NumImportedFuncs, NumImportedTables, NumImportedMemories, NumImportedGlobals, NumImportedTags uint32

	// Features lists the post-2.0 features the module uses, filled by the
	// validator (engines and the embedder's configuration read it).
	Features Features
}

// SectionInfo records where a section lies in the binary.
type SectionInfo struct {
	ID     byte
	Name   string // custom section name, or the standard section's name
	Offset int    // offset of the section's contents
	Size   int
}

// Import is one entry of the import section. Only the field of Kind is set.
type Import struct {
	Module, Name string
	Kind         ExternKind
	Func         uint32 // type index
	Table        TableType
	Memory       MemoryType
	Global       GlobalType
	Tag          Tag
}

// Export is one entry of the export section.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// Table is a defined table. Init, when HasInit, gives every element's
// initial value; otherwise elements start null.
type Table struct {
	Type    TableType
	Init    ConstExpr
	HasInit bool
}

// Global is a defined global with its initialiser.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// ElemMode says when an element segment is applied.
type ElemMode byte

const (
	ElemActive ElemMode = iota
	ElemPassive
	ElemDeclarative
)

// ElemSegment is an element segment. Its items are constant expressions
// (ref.func x or ref.null t, or global.get) in Items, or, as the decoder
// reads the binary format's plain function-index vectors, indices in
// Funcs, with each index's offset in FuncOffsets: 8 bytes an item where a
// one-instruction expression takes 24, so that an element section costs
// a few bytes of memory per byte. One of Items and Funcs is empty.
type ElemSegment struct {
	Mode        ElemMode
	Type        ValType // a reference type
	Table       uint32  // active only
	Offset      ConstExpr
	Items       []ConstExpr
	Funcs       []uint32
	FuncOffsets []uint32 // byte offset of each of Funcs in the binary
}

// NullFuncItem stands in ElemSegment.Funcs for an item ref.null func, in
// a segment of funcref.
const NullFuncItem = ^uint32(0)

// Len is the number of items.
func (s *ElemSegment) Len() int { return len(s.Items) + len(s.Funcs) }

// FuncOffset is the byte offset of Funcs[i], or -1 when unknown.
func (s *ElemSegment) FuncOffset(i int) int {
	if i < len(s.FuncOffsets) {
		return int(s.FuncOffsets[i])
	}
	return -1
}

// ItemExprs returns the items as constant expressions, made from Funcs
// when the segment holds indices: 24 bytes an item, for printing, encoding
// and tests, not for instantiating.
func (s *ElemSegment) ItemExprs() []ConstExpr {
	if len(s.Funcs) == 0 {
		return s.Items
	}
	items := make([]ConstExpr, len(s.Funcs))
	for i, x := range s.Funcs {
		items[i] = ConstExpr{imm: uint64(x), Offset: int32(s.FuncOffset(i)), op: OpRefFunc}
		if x == NullFuncItem {
			items[i] = ConstExpr{imm: uint64(FuncRef), Offset: items[i].Offset, op: OpRefNull}
		}
	}
	return items
}

// DataMode says when a data segment is applied.
type DataMode byte

const (
	DataActive DataMode = iota
	DataPassive
)

// DataSegment is a data segment; Bytes aliases the module binary.
type DataSegment struct {
	Mode   DataMode
	Memory uint32
	Offset ConstExpr
	Bytes  []byte
}

// LocalEntry is a run of Count locals of one type, as the binary encodes them.
type LocalEntry struct {
	Count uint32
	Type  ValType
}

// Code is a function body.
type Code struct {
	Locals    []LocalEntry
	NumLocals uint32 // total over Locals, checked against limits by the decoder
	Body      []byte // the instructions, up to and including the final end
	Offset    int    // offset of Body[0] in the binary (for errors and backtraces)
}

// CustomSection is a custom section kept as it was.
type CustomSection struct {
	Name   string
	Data   []byte
	Offset int
}

// NameSection holds the parsed `name` custom section. Absent entries are empty.
type NameSection struct {
	Module string
	Funcs  map[uint32]string
	Locals map[uint32]map[uint32]string
}

// FuncTypeOf returns the type of function index idx (imports first), or nil
// when idx is out of range or names no function type.
func (m *Module) FuncTypeOf(idx uint32) *FuncType {
	if idx < m.NumImportedFuncs {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != ExternFunc {
				continue
			}
			if n == idx {
				return m.FuncType(m.Imports[i].Func)
			}
			n++
		}
		return nil
	}
	d := idx - m.NumImportedFuncs
	if d >= uint32(len(m.Funcs)) {
		return nil
	}
	return m.FuncType(m.Funcs[d])
}

// FuncType returns the function type at type index i, or nil when i is out
// of range or not a function type.
func (m *Module) FuncType(i uint32) *FuncType {
	if i >= uint32(len(m.Types)) || m.Types[i].Kind != CompFunc {
		return nil
	}
	return &m.Types[i].Func
}

// TagType returns the function type of tag index idx (imports first), or nil.
func (m *Module) TagType(idx uint32) *FuncType {
	if idx < m.NumImportedTags {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != ExternTag {
				continue
			}
			if n == idx {
				return m.FuncType(m.Imports[i].Tag.Type)
			}
			n++
		}
		return nil
	}
	d := idx - m.NumImportedTags
	if d >= uint32(len(m.Tags)) {
		return nil
	}
	return m.FuncType(m.Tags[d].Type)
}

// NumFuncs, NumTables, NumMemories, NumGlobals and NumTags count imports and definitions.
func (m *Module) NumFuncs() uint32    { return m.NumImportedFuncs + uint32(len(m.Funcs)) }
func (m *Module) NumTables() uint32   { return m.NumImportedTables + uint32(len(m.Tables)) }
func (m *Module) NumMemories() uint32 { return m.NumImportedMemories + uint32(len(m.Memories)) }
func (m *Module) NumGlobals() uint32  { return m.NumImportedGlobals + uint32(len(m.Globals)) }
func (m *Module) NumTags() uint32     { return m.NumImportedTags + uint32(len(m.Tags)) }

// FuncName is the name-section name of function idx, or "".
func (m *Module) FuncName(idx uint32) string { return m.Names.Funcs[idx] }

// TableTypeOf, MemoryTypeOf and GlobalTypeOf return the type of an entry of
// the index space (imports first); the index must be in range.
func (m *Module) TableTypeOf(idx uint32) TableType {
	if idx < m.NumImportedTables {
		return m.importAt(ExternTable, idx).Table
	}
	return m.Tables[idx-m.NumImportedTables].Type
}

func (m *Module) MemoryTypeOf(idx uint32) MemoryType {
	if idx < m.NumImportedMemories {
		return m.importAt(ExternMemory, idx).Memory
	}
	return m.Memories[idx-m.NumImportedMemories]
}

func (m *Module) GlobalTypeOf(idx uint32) GlobalType {
	if idx < m.NumImportedGlobals {
		return m.importAt(ExternGlobal, idx).Global
	}
	return m.Globals[idx-m.NumImportedGlobals].Type
}

// TableTypeAt, MemoryTypeAt and GlobalTypeAt are TableTypeOf,
// MemoryTypeOf and GlobalTypeOf as the module holds them: the runtime's
// tables, memories and globals point at these, shared by every instance
// (the module is not written once decoded).
func (m *Module) TableTypeAt(idx uint32) *TableType {
	if idx < m.NumImportedTables {
		return &m.importAt(ExternTable, idx).Table
	}
	return &m.Tables[idx-m.NumImportedTables].Type
}

func (m *Module) MemoryTypeAt(idx uint32) *MemoryType {
	if idx < m.NumImportedMemories {
		return &m.importAt(ExternMemory, idx).Memory
	}
	return &m.Memories[idx-m.NumImportedMemories]
}

func (m *Module) GlobalTypeAt(idx uint32) *GlobalType {
	if idx < m.NumImportedGlobals {
		return &m.importAt(ExternGlobal, idx).Global
	}
	return &m.Globals[idx-m.NumImportedGlobals].Type
}

// importAt returns the idx-th import of kind k.
func (m *Module) importAt(k ExternKind, idx uint32) *Import {
	n := uint32(0)
	for i := range m.Imports {
		if m.Imports[i].Kind != k {
			continue
		}
		if n == idx {
			return &m.Imports[i]
		}
		n++
	}
	return nil
}
