package abi

// Runtime builtins are the operations compiled code does not inline: they
// leave through an exit (see ExitCode) and the runtime performs them in Go.
// The frontend emits each one as an ordinary SSA direct call whose callee
// number is BuiltinCallee + the Builtin, with the caller's context as the
// first argument; the back end lowers such a call to the exit named below
// instead of a call instruction. Every other argument and result is an i32
// unless noted (references are i64 words). A builtin that fails traps from
// the runtime side (the exit never resumes), with the trap code noted.
type Builtin uint32

const (
	// BuiltinPoll (ctx): the poll counter went negative. ExitPoll.
	BuiltinPoll Builtin = iota
	// BuiltinMemoryGrow (ctx, delta) -> old pages or GrowFailed, on memory
	// 0. ExitMemoryGrow with index 0, Args[0] = delta. The runtime updates
	// CtxMemoryLen (the base never moves).
	BuiltinMemoryGrow
	// BuiltinTableGrow (ctx, table, init i64, delta) -> old size or
	// GrowFailed. ExitTableGrow with index = table, Args[0] = delta,
	// Args[1] = init.
	BuiltinTableGrow
	// BuiltinMemoryInit (ctx, data, dst, src, n): memory.init on memory 0.
	// Traps TrapMemoryOutOfBounds. ExitBuiltin, Args = data, dst, src, n.
	BuiltinMemoryInit
	// BuiltinDataDrop (ctx, data). ExitBuiltin, Args[0] = data.
	BuiltinDataDrop
	// BuiltinMemoryCopy (ctx, dst, src, n) on memory 0. Traps
	// TrapMemoryOutOfBounds.
	BuiltinMemoryCopy
	// BuiltinMemoryFill (ctx, dst, value, n) on memory 0. Traps
	// TrapMemoryOutOfBounds.
	BuiltinMemoryFill
	// BuiltinTableInit (ctx, table, elem, dst, src, n). Traps
	// TrapTableOutOfBounds.
	BuiltinTableInit
	// BuiltinElemDrop (ctx, elem).
	BuiltinElemDrop
	// BuiltinTableCopy (ctx, dstTable, srcTable, dst, src, n). Traps
	// TrapTableOutOfBounds.
	BuiltinTableCopy
	// BuiltinTableFill (ctx, table, dst, value i64, n). Traps
	// TrapTableOutOfBounds.
	BuiltinTableFill
	// BuiltinPollTick (ctx): the whole poll. Decrements the poll counter
	// and, when the result is negative, exits like BuiltinPoll (ExitPoll);
	// otherwise does nothing else. Compiled code does the decrement inline
	// ("sub qword [ctx+CtxPollCounter], 1; js") and never leaves through an
	// ExitBuiltin for it.
	BuiltinPollTick
	// BuiltinPollEpoch (ctx): the whole poll where the time is kept by the
	// epoch (CtxEpochAddr) rather than by a counter: exits like
	// BuiltinPoll when the epoch has reached CtxEpochDeadline, otherwise
	// does nothing. Compiled code does the compare inline, with no store,
	// and never leaves through an ExitBuiltin for it. Fuel needs the
	// counter (BuiltinPollTick): it counts polls.
	BuiltinPollEpoch

	// BuiltinThrow (ctx, tag, payload...): throw a new exception of tag
	// index tag with the payload values. ExitBuiltin, Args[0] = the
	// payload's address on the native stack (one word per value, v128 as
	// two, i32 and f32 zero-extended), Args[1] = tag, Args[2] = words.
	// The runtime unwinds to the innermost handler that catches it and
	// resumes there (see CtxCaught), or ends the run with the exception.
	BuiltinThrow
	// BuiltinThrowRef (ctx, exnref i64): throw_ref of a non-null exnref.
	// ExitBuiltin, Args[0] = the exnref.
	BuiltinThrowRef
	// BuiltinFuncSubtype (ctx, desc i64, type): the slow half of
	// call_indirect's type check when the expected type has subtypes:
	// traps TrapIndirectCallTypeMismatch unless the function of descriptor
	// desc has a type that is a subtype of the module's type index type.
	// ExitBuiltin, Args = desc, type.
	BuiltinFuncSubtype
	// BuiltinMemoryGrowAt (ctx, mem, delta) -> old pages or all ones: as
	// BuiltinMemoryGrow on any memory, with an i64 delta and result for a
	// 64-bit memory. ExitMemoryGrow with index = mem (a constant),
	// Args[0] = delta.
	BuiltinMemoryGrowAt
	// BuiltinMemoryInitAt (ctx, mem, data, dst, src, n): memory.init on
	// any memory (dst is i64 for a 64-bit memory). Traps
	// TrapMemoryOutOfBounds. ExitBuiltin, Args = mem, data, dst, src, n.
	BuiltinMemoryInitAt
	// BuiltinMemoryCopyAt (ctx, dstMem, srcMem, dst, src, n): memory.copy
	// between any memories (addresses of each memory's type, n of the
	// narrower). Traps TrapMemoryOutOfBounds.
	BuiltinMemoryCopyAt
	// BuiltinMemoryFillAt (ctx, mem, dst, value, n): memory.fill on any
	// memory. Traps TrapMemoryOutOfBounds.
	BuiltinMemoryFillAt

	// The garbage-collection builtins. Type operands are module type
	// indices (the runtime maps them to the store's type ids, so the code
	// holds nothing store-specific); references are i64 words. An
	// allocation may collect: the references the code still needs are in
	// its frames then (an exit spills every register), where the
	// collector finds them, and the builtin keeps its own reference
	// operands rooted. A failed allocation traps TrapGCHeapOutOfMemory or
	// TrapAllocationTooLarge.

	// BuiltinStructNew (ctx, type) -> ref: a struct of type index type with
	// every field zero (the code stores the fields of struct.new after).
	BuiltinStructNew
	// BuiltinArrayNew (ctx, type, n, lo i64, hi i64) -> ref: an array of n
	// elements, each the value lo (hi: a v128's high half).
	BuiltinArrayNew
	// BuiltinArrayNewData (ctx, type, data, src, n) -> ref: array.new_data.
	// Traps TrapMemoryOutOfBounds.
	BuiltinArrayNewData
	// BuiltinArrayNewElem (ctx, type, elem, src, n) -> ref: array.new_elem.
	// Traps TrapTableOutOfBounds.
	BuiltinArrayNewElem
	// BuiltinArrayFill (ctx, ref, dst, lo i64, hi i64, n): array.fill of a
	// non-null array (the code checked). Traps TrapArrayOutOfBounds.
	BuiltinArrayFill
	// BuiltinArrayCopy (ctx, dst ref, d, src ref, s, n): array.copy between
	// non-null arrays. Traps TrapArrayOutOfBounds.
	BuiltinArrayCopy
	// BuiltinArrayInitData (ctx, data, ref, d, s, n): array.init_data of a
	// non-null array. Traps TrapArrayOutOfBounds, TrapMemoryOutOfBounds.
	BuiltinArrayInitData
	// BuiltinArrayInitElem (ctx, elem, ref, d, s, n): array.init_elem of a
	// non-null array. Traps TrapArrayOutOfBounds, TrapTableOutOfBounds.
	BuiltinArrayInitElem
	// BuiltinRefTest (ctx, ref, type) -> i32: 1 when the non-null, non-i31
	// reference ref is a struct or array whose type is type index type or
	// one of its subtypes, or for a function type, a function of that type
	// or a subtype; the code decides null, i31 and the abstract types
	// itself. Type RefTestStruct and RefTestArray stand for any struct and
	// any array.
	BuiltinRefTest
	// BuiltinPollPreempt (ctx): a look at the running goroutine's
	// preemption word only, exiting like BuiltinPoll (ExitPoll) when the Go
	// runtime asks the goroutine to stop. Compiled code does it inline.
	// With fuel, where every counted poll is a unit that both engines count
	// at entries and loop headers alone, it is the straight-line poll: it
	// lets the Go runtime in without spending fuel.
	BuiltinPollPreempt

	NumBuiltins
)

// BulkChunk bounds the work of one uninterrupted step of a bulk operation:
// compiled code does memory.copy and memory.fill of up to BulkChunk bytes
// inline and leaves longer ones to the runtime (ExitBuiltin with
// BuiltinMemoryCopy or BuiltinMemoryFill, Args as the builtin's, every
// register kept), which does every bulk operation in chunks of this many
// bytes (table elements count 8 bytes each) and lets the Go runtime in
// between: memmove and memclr cannot be preempted.
const BulkChunk = 256 << 10

// BuiltinCallee is the SSA callee number of builtin 0: a direct call to
// callee BuiltinCallee+b calls builtin b. Function indices stay below it
// (the decoder bounds a module's function count far lower).
const BuiltinCallee = 0x8000_0000

var builtinNames = [...]string{
	BuiltinPoll:        "poll",
	BuiltinMemoryGrow:  "memory.grow",
	BuiltinTableGrow:   "table.grow",
	BuiltinMemoryInit:  "memory.init",
	BuiltinDataDrop:    "data.drop",
	BuiltinMemoryCopy:  "memory.copy",
	BuiltinMemoryFill:  "memory.fill",
	BuiltinTableInit:   "table.init",
	BuiltinElemDrop:    "elem.drop",
	BuiltinTableCopy:   "table.copy",
	BuiltinTableFill:   "table.fill",
	BuiltinPollTick:    "poll.tick",
	BuiltinPollEpoch:   "poll.epoch",
	BuiltinPollPreempt: "poll.preempt",

	BuiltinThrow:        "throw",
	BuiltinThrowRef:     "throw_ref",
	BuiltinFuncSubtype:  "func.subtype",
	BuiltinMemoryGrowAt: "memory.grow (any memory)",
	BuiltinMemoryInitAt: "memory.init (any memory)",
	BuiltinMemoryCopyAt: "memory.copy (any memories)",
	BuiltinMemoryFillAt: "memory.fill (any memory)",

	BuiltinStructNew:     "struct.new",
	BuiltinArrayNew:      "array.new",
	BuiltinArrayNewData:  "array.new_data",
	BuiltinArrayNewElem:  "array.new_elem",
	BuiltinArrayFill:     "array.fill",
	BuiltinArrayCopy:     "array.copy",
	BuiltinArrayInitData: "array.init_data",
	BuiltinArrayInitElem: "array.init_elem",
	BuiltinRefTest:       "ref.test",
}

// The GC heap's display table (CtxGCDisplays): GCDisplayWords uint32
// words per type id, from id 0 (no type, all zero). Word GCDisplayKind is
// the type's kind (GCKindStruct or GCKindArray); words GCDisplaySupers on
// are its display, the ids of its ancestors from the root (depth 0) down,
// itself last, cut after GCDisplayMaxDepth+1 entries and zero after its
// end. So an object of type id is a subtype of a type t of depth
// d <= GCDisplayMaxDepth exactly when word GCDisplaySupers+d of id's
// entry is t (ids are never 0).
const (
	GCDisplayWords    = 8
	GCDisplayKind     = 0
	GCDisplaySupers   = 1
	GCDisplayMaxDepth = GCDisplayWords - GCDisplaySupers - 1
	GCKindStruct      = 1
	GCKindArray       = 2
)

// The abstract targets of BuiltinRefTest (above every module type index).
const (
	RefTestStruct = 0xffff_fffe
	RefTestArray  = 0xffff_ffff
)

func (b Builtin) String() string {
	if int(b) < len(builtinNames) {
		return builtinNames[b]
	}
	return "unknown builtin"
}

// BuiltinOf reports whether SSA callee number callee names a builtin, and which.
func BuiltinOf(callee uint32) (Builtin, bool) {
	if callee >= BuiltinCallee && callee-BuiltinCallee < uint32(NumBuiltins) {
		return Builtin(callee - BuiltinCallee), true
	}
	return 0, false
}

// Layouts of the runtime structures that compiled code reaches from the
// context (see CtxGlobalsBase, CtxTablesBase, CtxFuncTable, CtxMemories).
// All words are little-endian 64-bit unless noted.
const (
	// MemoryDesc: CtxMemories addresses an array of MemoryDescSize-byte
	// descriptors, one per memory index (imports first): the address of
	// byte 0 (MemoryDescBase), which never changes once the instance is
	// bound, and the current length in bytes (MemoryDescLen), which the
	// runtime updates after every exit. Memory 0 is also reached through
	// CtxMemoryBase and CtxMemoryLen.
	MemoryDescSize = 16
	MemoryDescBase = 0
	MemoryDescLen  = 8

	// GlobalCell: CtxGlobalsBase addresses an array of GlobalAddrSize-byte
	// cell addresses, one per global index (imports first); each cell is
	// GlobalCellSize bytes {lo, hi} holding the value in its low bytes
	// (i32/f32 in the low 4, i64/f64/references in the low 8, v128 in lo
	// then hi). Cells never move while an instance lives.
	GlobalAddrSize = 8
	GlobalCellSize = 16

	// TableDesc: CtxTablesBase addresses an array of TableDescSize-byte
	// descriptors, one per table index: the address of the element words
	// (TableDescElems) and the current size in elements (TableDescSize
	// field, a 64-bit word). Both change when the table grows. Elements
	// are TableElemSize-byte words: 0 for null, else for funcref tables
	// the address of a function descriptor, for externref the host word.
	TableDescSize     = 16
	TableDescElems    = 0
	TableDescLen      = 8
	TableElemSize     = 8
	FuncTableElemSize = 8

	// FuncDesc: a function descriptor, immutable once made. CtxFuncTable
	// addresses an array of FuncTableElemSize-byte descriptor addresses,
	// one per function index of the instance (imports first); funcref
	// values in compiled code are descriptor addresses. A call through a
	// descriptor jumps to FuncDescCode with the context FuncDescContext as
	// the callee's first argument, after checking the 32-bit type id at
	// FuncDescTypeID against the expected signature's canonical id.
	//
	// Only a callee whose context is the caller's own may be called that
	// way (see ExitHostCall). For any other (another instance's function,
	// or a host function, whose context word is 0) the caller calls
	// FuncDescHostCall instead, with its own context and the descriptor's
	// address appended as a last i64 argument: a per-signature stub that
	// leaves through ExitHostCall with index HostCallByDescriptor.
	FuncDescCode     = 0
	FuncDescContext  = 8
	FuncDescTypeID   = 16
	FuncDescHostCall = 24
	FuncDescSize     = 32
)
