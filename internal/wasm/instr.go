package wasm

// Opcode identifies an instruction: the opcode byte for one-byte opcodes,
// prefix<<8 | subopcode for the 0xFC and 0xFD families.
type Opcode uint16

// ImmKind says which immediates follow an opcode in the binary.
type ImmKind byte

const (
	ImmNone         ImmKind = iota
	ImmBlockType            // Instr.Block
	ImmLabel                // X = label depth
	ImmBrTable              // Targets (default last)
	ImmFunc                 // X = function index
	ImmCallIndirect         // X = type index, Y = table index
	ImmLocal                // X = local index
	ImmGlobal               // X = global index
	ImmTable                // X = table index
	ImmMemArg               // X = align exponent, Imm = offset (memory 0)
	ImmMemZero              // the reserved memory-index byte, must be 0
	ImmI32                  // Imm = uint64(uint32(value))
	ImmI64                  // Imm = value bits
	ImmF32                  // Imm = float32 bits
	ImmF64                  // Imm = float64 bits
	ImmV128                 // Imm = low 8 bytes, Hi = high 8 bytes (little endian)
	ImmShuffle              // Imm/Hi = the 16 lane indices, one per byte
	ImmLane                 // Y = lane index
	ImmMemArgLane           // X = align, Imm = offset, Y = lane index
	ImmRefType              // Type
	ImmSelectT              // Types (the validator requires exactly one)
	ImmTableInit            // X = element segment, Y = table
	ImmTableCopy            // X = destination table, Y = source table
	ImmMemInit              // X = data segment (memory 0)
	ImmData                 // X = data segment
	ImmMemCopy              // two reserved memory bytes, both 0
	ImmElem                 // X = element segment
)

// OpInfo describes an opcode. When Special is false, Params and Results are
// its complete stack signature and the validator needs nothing more.
type OpInfo struct {
	Name    string
	Imm     ImmKind
	Special bool
	Params  []ValType
	Results []ValType
}

// Info returns the description of op, or nil for an unknown opcode.
func (op Opcode) Info() *OpInfo {
	var table *[256]OpInfo
	switch op >> 8 {
	case 0:
		table = &opInfoPlain
	case 0xFC:
		table = &opInfoFC
	case 0xFD:
		table = &opInfoFD
	default:
		return nil
	}
	info := &table[op&0xff]
	if info.Name == "" {
		return nil
	}
	return info
}

// String gives the text-format name, e.g. "i32.add".
func (op Opcode) String() string {
	if info := op.Info(); info != nil {
		return info.Name
	}
	return "unknown"
}

// BlockType is a block's signature: empty, one value type, or a type index.
type BlockType struct {
	Kind  BlockKind
	Type  ValType // BlockValue
	Index uint32  // BlockTypeIndex
}

// BlockKind says which form a BlockType has.
type BlockKind byte

const (
	BlockEmpty BlockKind = iota
	BlockValue
	BlockTypeIndex
)

// Instr is one decoded instruction. Which fields are meaningful depends on
// the opcode's ImmKind (see the ImmKind constants).
type Instr struct {
	Op      Opcode
	X, Y    uint32
	Imm     uint64
	Hi      uint64
	Block   BlockType
	Type    ValType
	Types   []ValType // select t: aliases a reader buffer, valid until the next read
	Targets []uint32  // br_table: aliases a reader buffer, valid until the next read
	Offset  int       // offset of the opcode in the module binary
}
