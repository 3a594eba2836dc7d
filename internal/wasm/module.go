package wasm

// Module is a decoded module. Indices in every index space count imports
// first, as the spec does: function i < NumImportedFuncs is an import.
type Module struct {
	Types    []FuncType
	Imports  []Import
	Funcs    []uint32 // type index of each defined (non-imported) function
	Tables   []TableType
	Memories []MemoryType
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
	NumImportedFuncs, NumImportedTables, NumImportedMemories, NumImportedGlobals uint32
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
}

// Export is one entry of the export section.
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// Global is a defined global with its initialiser.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// ConstExpr is a constant expression: the instructions before its `end`.
// Wasm 2.0 allows one of t.const, ref.null, ref.func and global.get; the
// validator checks that, so the decoder keeps whatever sequence it read.
type ConstExpr struct {
	Instrs []Instr
	Offset int // byte offset of the first instruction in the binary
}

// ElemMode says when an element segment is applied.
type ElemMode byte

const (
	ElemActive ElemMode = iota
	ElemPassive
	ElemDeclarative
)

// ElemSegment is an element segment. Each item is a constant expression
// (ref.func x or ref.null t, or global.get); the binary format's plain
// function-index vectors are stored as ref.func items.
type ElemSegment struct {
	Mode   ElemMode
	Type   ValType // FuncRef or ExternRef
	Table  uint32  // active only
	Offset ConstExpr
	Items  []ConstExpr
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
// when idx is out of range.
func (m *Module) FuncTypeOf(idx uint32) *FuncType {
	if idx < m.NumImportedFuncs {
		n := uint32(0)
		for i := range m.Imports {
			if m.Imports[i].Kind != ExternFunc {
				continue
			}
			if n == idx {
				return m.typeAt(m.Imports[i].Func)
			}
			n++
		}
		return nil
	}
	d := idx - m.NumImportedFuncs
	if d >= uint32(len(m.Funcs)) {
		return nil
	}
	return m.typeAt(m.Funcs[d])
}

func (m *Module) typeAt(i uint32) *FuncType {
	if i >= uint32(len(m.Types)) {
		return nil
	}
	return &m.Types[i]
}

// NumFuncs, NumTables, NumMemories and NumGlobals count imports and definitions.
func (m *Module) NumFuncs() uint32    { return m.NumImportedFuncs + uint32(len(m.Funcs)) }
func (m *Module) NumTables() uint32   { return m.NumImportedTables + uint32(len(m.Tables)) }
func (m *Module) NumMemories() uint32 { return m.NumImportedMemories + uint32(len(m.Memories)) }
func (m *Module) NumGlobals() uint32  { return m.NumImportedGlobals + uint32(len(m.Globals)) }

// FuncName is the name-section name of function idx, or "".
func (m *Module) FuncName(idx uint32) string { return m.Names.Funcs[idx] }
