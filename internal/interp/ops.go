package interp

// instr is one pre-decoded instruction. Slot operands are offsets from the
// current frame base. By convention a is the destination of value-producing
// instructions (so a following local.set can retarget it) and the target of
// branches; b and c are sources; imm is an immediate (constant, memory offset,
// third operand, packed fields).
type instr struct {
	op      uint16
	a, b, c uint32
	imm     uint64
}

// Internal opcodes. Comments give the operand use when it is not the usual
// "a = dst, b/c = sources".
const (
	opInvalid uint16 = iota
	opUnreachable
	opBr           // a = target
	opBrIf         // a = target, b = cond
	opBrIfNot      // a = target, b = cond
	opBrTable      // b = index slot, c = target count incl. default, imm = first entry in brTables
	opReturn       // results already in slots 0..
	opLoopEntry    // the poll of entering a loop (branches back to it poll themselves)
	opCall         // a = argument base, b = function index
	opCallIndirect // a = argument base, b = type index, c = table, imm = index slot
	opCallRef      // a = argument base, b = type index, imm = reference slot
	// Tail calls: the callee replaces the caller's frame (exec_calls.go).
	opReturnCall         // a = argument base, b = function index
	opReturnCallIndirect // a = argument base, b = type index, c = table, imm = index slot
	opReturnCallRef      // a = argument base, b = type index, imm = reference slot
	opThrow              // a = payload base, b = tag index
	opThrowRef           // b = exnref slot
	opCopy               // a = dst, b = src
	opCopy128
	opConst  // a = dst, imm = value
	opSelect // a = dst, b = first, c = second, imm = cond slot
	opSelect128
	opGlobalGet // a = dst, b = global
	opGlobalGet128
	opGlobalSet // b = global, c = src
	opGlobalSet128

	// Fused integer compare + branch: a = target, b = lhs, c = rhs (or imm).
	opBrIfEq32
	opBrIfNe32
	opBrIfLtS32
	opBrIfLtU32
	opBrIfGtS32
	opBrIfGtU32
	opBrIfLeS32
	opBrIfLeU32
	opBrIfGeS32
	opBrIfGeU32
	opBrIfEq32Imm
	opBrIfNe32Imm
	opBrIfLtS32Imm
	opBrIfLtU32Imm
	opBrIfGtS32Imm
	opBrIfGtU32Imm
	opBrIfLeS32Imm
	opBrIfLeU32Imm
	opBrIfGeS32Imm
	opBrIfGeU32Imm
	opBrIfEq64
	opBrIfNe64
	opBrIfLtS64
	opBrIfLtU64
	opBrIfGtS64
	opBrIfGtU64
	opBrIfLeS64
	opBrIfLeU64
	opBrIfGeS64
	opBrIfGeU64
	opBrIfEq64Imm
	opBrIfNe64Imm
	opBrIfLtS64Imm
	opBrIfLtU64Imm
	opBrIfGtS64Imm
	opBrIfGtU64Imm
	opBrIfLeS64Imm
	opBrIfLeU64Imm
	opBrIfGeS64Imm
	opBrIfGeU64Imm

	// i32 compares (same order as the branches above), then arithmetic.
	opI32Eq
	opI32Ne
	opI32LtS
	opI32LtU
	opI32GtS
	opI32GtU
	opI32LeS
	opI32LeU
	opI32GeS
	opI32GeU
	opI32EqImm
	opI32NeImm
	opI32LtSImm
	opI32LtUImm
	opI32GtSImm
	opI32GtUImm
	opI32LeSImm
	opI32LeUImm
	opI32GeSImm
	opI32GeUImm
	opI64Eq
	opI64Ne
	opI64LtS
	opI64LtU
	opI64GtS
	opI64GtU
	opI64LeS
	opI64LeU
	opI64GeS
	opI64GeU
	opI64EqImm
	opI64NeImm
	opI64LtSImm
	opI64LtUImm
	opI64GtSImm
	opI64GtUImm
	opI64LeSImm
	opI64LeUImm
	opI64GeSImm
	opI64GeUImm

	opI32Eqz
	opI32Add
	opI32Sub
	opI32Mul
	opI32DivS
	opI32DivU
	opI32RemS
	opI32RemU
	opI32And
	opI32Or
	opI32Xor
	opI32Shl
	opI32ShrS
	opI32ShrU
	opI32Rotl
	opI32Rotr
	opI32AddImm
	opI32SubImm
	opI32MulImm
	opI32AndImm
	opI32OrImm
	opI32XorImm
	opI32ShlImm
	opI32ShrSImm
	opI32ShrUImm
	opI32Clz
	opI32Ctz
	opI32Popcnt
	opI32Extend8S
	opI32Extend16S
	opI32WrapI64

	opI64Eqz
	opI64Add
	opI64Sub
	opI64Mul
	opI64DivS
	opI64DivU
	opI64RemS
	opI64RemU
	opI64And
	opI64Or
	opI64Xor
	opI64Shl
	opI64ShrS
	opI64ShrU
	opI64Rotl
	opI64Rotr
	opI64AddImm
	opI64SubImm
	opI64MulImm
	opI64AndImm
	opI64OrImm
	opI64XorImm
	opI64ShlImm
	opI64ShrSImm
	opI64ShrUImm
	opI64Clz
	opI64Ctz
	opI64Popcnt
	opI64Extend8S
	opI64Extend16S
	opI64Extend32S // also i64.extend_i32_s

	opF32Add
	opF32Sub
	opF32Mul
	opF32Div
	opF32Eq
	opF32Ne
	opF32Lt
	opF32Gt
	opF32Le
	opF32Ge
	opF64Add
	opF64Sub
	opF64Mul
	opF64Div
	opF64Eq
	opF64Ne
	opF64Lt
	opF64Gt
	opF64Le
	opF64Ge
	opF64Sqrt

	// Loads: a = dst, b = address slot, imm = static offset.
	opLoad32 // i32.load, f32.load, i64.load32_u
	opLoad64 // i64.load, f64.load
	opLoad8S32
	opLoad8U // i32/i64.load8_u
	opLoad16S32
	opLoad16U // i32/i64.load16_u
	opLoad8S64
	opLoad16S64
	opLoad32S64
	// Stores: b = address slot, c = value slot, imm = static offset.
	opStore32
	opStore64
	opStore8
	opStore16
	// Stores of a constant: b = address slot, c = static offset, imm = value.
	opStore32Imm
	opStore64Imm
	opStore8Imm
	opStore16Imm
	opMemorySize // a = dst
	opMemoryGrow // a = dst, b = delta

	// Rarer instructions, executed by execMisc (exec_misc.go).
	opMiscFirst // marker: misc ops lie strictly between opMiscFirst and opSIMDFirst
	opF32Min
	opF32Max
	opF32Copysign
	opF32Abs
	opF32Neg
	opF32Ceil
	opF32Floor
	opF32Trunc
	opF32Nearest
	opF32Sqrt
	opF64Min
	opF64Max
	opF64Copysign
	opF64Abs
	opF64Neg
	opF64Ceil
	opF64Floor
	opF64Trunc
	opF64Nearest
	opI32TruncF32S
	opI32TruncF32U
	opI32TruncF64S
	opI32TruncF64U
	opI64TruncF32S
	opI64TruncF32U
	opI64TruncF64S
	opI64TruncF64U
	opI32TruncSatF32S
	opI32TruncSatF32U
	opI32TruncSatF64S
	opI32TruncSatF64U
	opI64TruncSatF32S
	opI64TruncSatF32U
	opI64TruncSatF64S
	opI64TruncSatF64U
	opF32ConvertI32S
	opF32ConvertI32U
	opF32ConvertI64S
	opF32ConvertI64U
	opF32DemoteF64
	opF64ConvertI32S
	opF64ConvertI32U
	opF64ConvertI64S
	opF64ConvertI64U
	opF64PromoteF32
	opRefIsNull  // a = dst, b = src
	opRefFunc    // a = dst, b = function index
	opTableGet   // a = dst, b = index slot, c = table
	opTableSet   // b = index slot, c = value slot, imm = table
	opTableSize  // a = dst, c = table
	opTableGrow  // a = dst, b = init value slot, c = count slot, imm = table
	opTableFill  // a = start slot, b = value slot, c = count slot, imm = table
	opTableCopy  // a = dst slot, b = src slot, c = count slot, imm = dst table | src table<<32
	opTableInit  // a = dst slot, b = src slot, c = count slot, imm = segment | table<<32
	opElemDrop   // imm = segment
	opMemoryInit // a = dst slot, b = src slot, c = count slot, imm = segment | memory<<32
	opDataDrop   // imm = segment
	opMemoryCopy // a = dst slot, b = src slot, c = count slot, imm = dst memory | src memory<<32
	opMemoryFill // a = dst slot, b = value slot, c = count slot, imm = memory
	opRefAsNonNull
	// Memories other than a 32-bit memory 0 (exec_memory.go).
	opMemAccess   // a = dst (load) or value (store), b = address slot, c = index in funcCode.memOps
	opMemorySizeX // a = dst, c = memory
	opMemoryGrowX // a = dst, b = delta, c = memory

	// Garbage collection, executed by execGC (exec_gc*.go) but opBrOnCast.
	opGCFirst          // marker: GC ops lie strictly between opGCFirst and opSIMDFirst
	opStructNew        // a = dst, b = first field's slot, c = type index
	opStructNewDefault // a = dst, c = type index
	opStructGet        // a = dst, b = ref, c = field offset, imm = fieldKind
	opStructSet        // b = ref, c = value, imm = field offset | fieldKind<<32
	opArrayNew         // a = dst, b = initial value, c = length, imm = type index
	opArrayNewDefault  // a = dst, c = length, imm = type index
	opArrayNewFixed    // a = dst, b = first element's slot, c = count, imm = type index
	opArrayNewData     // a = dst, b = segment offset, c = length, imm = type index | segment<<32
	opArrayNewElem     // a = dst, b = segment offset, c = length, imm = type index | segment<<32
	opArrayGet         // a = dst, b = ref, c = index, imm = fieldKind
	opArraySet         // a = ref, b = index, c = value, imm = fieldKind
	opArrayLen         // a = dst, b = ref
	opArrayFill        // a = ref, b = offset, c = value, imm = count slot | fieldKind<<32
	opArrayCopy        // b = first of dst ref, dst offset, src ref, src offset, count; imm = fieldKind
	opArrayInitData    // b = first of ref, offset, segment offset, count; imm = type index | segment<<32
	opArrayInitElem    // as opArrayInitData, from an element segment
	opRefTest          // a = dst, b = ref, imm = index in funcCode.casts
	opRefCast          // a = dst, b = ref, imm = index in funcCode.casts
	opRefI31           // a = dst, b = i32
	opI31GetS          // a = dst, b = ref
	opI31GetU          // a = dst, b = ref
	opBrOnCast         // a = target, b = ref, imm = cast index | 1<<32 to branch when the cast fails

	// SIMD, executed by execSIMD (exec_simd.go). sub is the 0xFD sub-opcode.
	opSIMDFirst       // marker: SIMD ops lie strictly between opSIMDFirst and numOps
	opV128Unary       // a = dst, b = src, c = sub
	opV128Binary      // a = dst, b, c = sources, imm = sub
	opV128Test        // a = dst (i32), b = src, c = sub
	opV128Shift       // a = dst, b = vector, c = count slot, imm = sub
	opV128Splat       // a = dst, b = scalar, c = sub
	opV128Bitselect   // a = dst, b, c = sources, imm = mask slot
	opV128Shuffle     // a = dst, b, c = sources, imm = index of lanes in consts
	opV128ExtractLane // a = dst, b = vector, c = lane, imm = wasm opcode
	opV128ReplaceLane // a = dst, b = vector, c = scalar, imm = wasm opcode | lane<<16
	opV128Load        // a = dst, b = address, imm = offset
	opV128LoadExtend  // a = dst, b = address, c = wasm opcode, imm = offset
	opV128LoadSplat   // a = dst, b = address, c = byte size, imm = offset
	opV128LoadZero    // a = dst, b = address, c = byte size, imm = offset
	opV128LoadLane    // a = dst, b = address, c = vector, imm = offset | lane<<32 | size<<40
	opV128Store       // b = address, c = value, imm = offset
	opV128StoreLane   // b = address, c = vector, imm = offset | lane<<32 | size<<40
	opV128Relaxed     // a = dst, b, c = first two sources, imm = third source slot | index in simd.Relaxed<<32

	numOps
)
