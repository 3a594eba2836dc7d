package wasm

// Opcode identifies an instruction: the opcode byte for one-byte opcodes,
// prefix<<8 | subopcode for the 0xFB, 0xFC and 0xFD families. The 0xFD
// sub-opcodes from 0x100 to 0x1FF (relaxed SIMD) are 0x100 | their low byte,
// a range no one-byte or prefixed opcode uses; Prefix and Sub recover the
// binary encoding.
type Opcode uint16

// Prefix is the opcode's prefix byte (0xFB, 0xFC, 0xFD), or 0 for a
// one-byte opcode.
func (op Opcode) Prefix() byte {
	switch {
	case op>>8 == 1:
		return 0xFD
	case op > 0xFF:
		return byte(op >> 8)
	}
	return 0
}

// Sub is the sub-opcode of a prefixed opcode, or the byte of a one-byte one.
func (op Opcode) Sub() uint32 {
	if op>>8 == 1 {
		return uint32(op)
	}
	return uint32(op & 0xFF)
}

// PrefixedOpcode returns the Opcode of prefix byte p and sub-opcode sub, or
// false when sub cannot be one (over 0xFF, or over 0x1FF for 0xFD).
func PrefixedOpcode(p byte, sub uint32) (Opcode, bool) {
	switch {
	case sub <= 0xFF:
		return Opcode(p)<<8 | Opcode(sub), true
	case p == 0xFD && sub <= 0x1FF:
		return Opcode(sub), true
	}
	return 0, false
}

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
	ImmMemArg               // X = align exponent, Imm = offset, Mem = memory index
	ImmMemory               // X = memory index
	ImmI32                  // Imm = uint64(uint32(value))
	ImmI64                  // Imm = value bits
	ImmF32                  // Imm = float32 bits
	ImmF64                  // Imm = float64 bits
	ImmV128                 // Imm = low 8 bytes, Hi = high 8 bytes (little endian)
	ImmShuffle              // Imm/Hi = the 16 lane indices, one per byte
	ImmLane                 // Y = lane index
	ImmMemArgLane           // X = align, Imm = offset, Mem = memory, Y = lane index
	ImmHeapType             // Type = (ref null ht) for ref.null; the tested type for ref.test/ref.cast
	ImmSelectT              // Types (the validator requires exactly one)
	ImmTableInit            // X = element segment, Y = table
	ImmTableCopy            // X = destination table, Y = source table
	ImmMemInit              // X = data segment, Y = memory
	ImmData                 // X = data segment
	ImmMemCopy              // X = destination memory, Y = source memory
	ImmElem                 // X = element segment
	ImmTypeIndex            // X = type index
	ImmTag                  // X = tag index
	ImmTryTable             // Block, Catches
	ImmIndexPair            // X, Y: type and field, type and count, type and segment, two types
	ImmBrOnCast             // X = label, Types = the two reference types
)

// OpInfo describes an opcode. When Special is false, Params and Results are
// its complete stack signature and the validator needs nothing more (for
// a memory instruction, Params[0] is the address, i32 in the table and the
// memory's address type in fact).
type OpInfo struct {
	Name    string
	Imm     ImmKind
	Special bool
	Params  []ValType
	Results []ValType
	Feature Features // the post-2.0 feature that introduced the opcode, or 0
}

// Info returns the description of op, or nil for an unknown opcode.
func (op Opcode) Info() *OpInfo {
	var table *[256]OpInfo
	switch op >> 8 {
	case 0:
		table = &opInfoPlain
	case 1:
		table = &opInfoFDRelaxed
	case 0xFB:
		table = &opInfoFB
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

// CatchKind is the kind of a try_table catch clause, encoded as in the binary format.
type CatchKind byte

const (
	Catch       CatchKind = 0 // catch tag label: the payload
	CatchRef    CatchKind = 1 // catch_ref tag label: the payload and the exnref
	CatchAll    CatchKind = 2 // catch_all label: nothing
	CatchAllRef CatchKind = 3 // catch_all_ref label: the exnref
)

var catchNames = [...]string{"catch", "catch_ref", "catch_all", "catch_all_ref"}

func (k CatchKind) String() string {
	if int(k) < len(catchNames) {
		return catchNames[k]
	}
	return "unknown"
}

// HasTag reports whether the clause names a tag.
func (k CatchKind) HasTag() bool { return k == Catch || k == CatchRef }

// CatchClause is one catch clause of try_table. Tag is unused for the
// catch_all forms.
type CatchClause struct {
	Kind       CatchKind
	Tag, Label uint32
}

// Instr is one decoded instruction. Which fields are meaningful depends on
// the opcode's ImmKind (see the ImmKind constants).
type Instr struct {
	Op      Opcode
	X, Y    uint32
	Mem     uint32 // memory index of a memarg
	Imm     uint64
	Hi      uint64
	Block   BlockType
	Type    ValType
	Types   []ValType     // select t, br_on_cast: aliases a reader buffer, valid until the next read
	Targets []uint32      // br_table: aliases a reader buffer, valid until the next read
	Catches []CatchClause // try_table: aliases a reader buffer, valid until the next read
	Offset  int           // offset of the opcode in the module binary
}
