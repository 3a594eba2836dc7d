// Package amd64 is the x86-64 end of moat's compiler: it selects
// instructions for an ssa.Func, and turns machine instructions into bytes.
//
// It stands after instruction selection (the lowering rules of this
// package, below) and register allocation (the target-neutral internal/backend,
// which this package builds on) and before linking: the
// lowering code describes each instruction as an Inst (an opcode, an operand
// size, a condition and up to three operands in Intel order, destination
// first, plus a compact fourth for the AVX forms that have one) and hands it
// to an Assembler, which appends the encoding to one
// function's code, binds labels, resolves branch displacements, records
// relocations for calls to other functions and lays out a constant pool at the
// end of the function.
//
// The encoding is table driven: every instruction form is one row (operand
// pattern, mandatory prefix, opcode bytes, ModRM extension, REX.W rule,
// immediate width; see encode_table_*.go) in the notation of the Intel manual,
// and one generic routine emits prefixes, REX, opcode, ModRM, SIB,
// displacement and immediate for all of them. Adding an instruction family
// means adding rows. The SSE instructions of WebAssembly SIMD are one line
// each in encode_table_simd.go, from which their AVX (VEX.128) twin is
// derived; VEX forms (encode_vex.go) place their operands, in the Intel
// manual's order, in ModRM.reg, VEX.vvvv, ModRM.rm and imm8[7:4], and use
// the 2-byte prefix whenever it suffices, byte for byte as GNU as does.
// Which optional extensions (AVX, AVX2) code may use is a Features value:
// HostFeatures at run time, anything in tests (abi_cpu.go).
//
// Typical use:
//
//	var a amd64.Assembler
//	loop := a.Mark()
//	a.Emit(amd64.I(amd64.ADD, amd64.S32, amd64.R(amd64.RAX), amd64.M(amd64.Mem{Base: amd64.RDI, Index: amd64.RCX, Scale: 4})))
//	a.Emit(amd64.I(amd64.SUB, amd64.S64, amd64.R(amd64.RCX), amd64.Imm(1)))
//	a.Emit(amd64.Jcc(amd64.CondNE, loop))
//	a.Emit(amd64.I(amd64.CALL, 0, amd64.Func(3))) // a Reloc for the linker
//	code, relocs, err := a.Finish()
//
// Encodable tells instruction selection whether a folded form (an immediate,
// an address) exists before it commits to it; Assembler.Listing records the
// function as text for golden tests of the back end.
//
// Lowering (lower_*.go, vinst.go, emit_func.go, abi_*.go). Compile takes one
// optimised ssa.Func to machine code: lower builds backend vcode whose
// instructions (vinst) are short templates of Insts over operand
// placeholders, each declaring its register operands with their constraints
// (two-address forms reuse an input, shift counts in RCX, division in
// RAX:RDX with RDX an early def, call arguments and results in the registers
// of the internal convention documented in abi_conv.go); backend.Allocate
// places them; emission substitutes the locations, inserts the allocator's
// moves, adds the prologue (call-depth count kept in the frames, frame
// pointer, stack-limit check against CtxStackLimit, frame, callee-saved
// stores; see emitter.prologue) and epilogues, lays out
// branches with fall-through elided, and appends out-of-line trap stubs and
// the poll stub. Rules are looked up by SSA opcode in a table
// (lower_func.go) and fold what their operands' definitions allow: iconst
// into imm32 operands, iadd chains and shifted indices into [base +
// index*scale + disp], icmp/fcmp into the cmp/ucomis of brif, select (cmov),
// trapz and trapnz (with the parity checks float conditions need), and
// spilled operands into memory operands. A pure instruction whose every use
// was folded is not emitted: blocks are lowered in post order, instructions
// backwards, so all uses are seen before the definition. Constants are
// materialised in each block that reads them, before their first reader
// there (and again after a call), never at their definition
// (lower_remat.go): none is live across a block boundary. Calls of runtime
// builtins become exits (abi/builtins.go), except memory.copy and
// memory.fill, which are compiled inline up to abi.BulkChunk bytes and
// leave longer ones to the runtime (lower_bulk.go), and the polls: the
// tick, a decrement of the counter in memory, or the epoch poll, a compare
// of the epoch with the context's deadline that stores nothing, each with a
// look at the goroutine's preemption word and branches to an out-of-line call of a stub that
// preserves every register, so polls cost the allocator nothing
// (lower_poll.go). i32 division by a constant is
// multiplication; bounds checks compare with the context's length word.
// The float operations follow WebAssembly exactly (NaN-propagating min/max
// with -0 < +0, checked and saturating float-to-int conversions, unsigned
// conversions, roundss/roundsd for rounding); the code needs SSE4.1, POPCNT,
// LZCNT and BMI1, which CPUSupported checks. EntryStub makes the code
// through which the runtime enters a function of a given signature. Every
// call's return address and every trap stub is recorded with the wasm
// offset of its instruction (ssa.Inst.Pos) in Compiled.Sites and
// TrapSites, from which the compiler builds backtraces.
//
// WebAssembly 3.0 (lower_tailcall.go, lower_exceptions.go,
// lower_simd_relaxed.go): return_call and return_call_indirect reuse the
// frame under the callee-pops convention (abi_conv.go), moving stack
// arguments and the return address as the callee needs; try_call and
// try_call_indirect clobber every register and record their landing
// (Compiled.Landings, with the frame's stack pointer in LandingSP) for the
// runtime's unwinder; throw is an exit with the payload in the outgoing
// area; the relaxed SIMD opcodes are one instruction each.
//
// Memory (scratch.go): a Scratch holds the working memory of Compile (the
// lowerer's tables, the vcode, the allocator, the assembler, the emitter)
// and is reused by a goroutine from one function to the next
// (Options.Scratch; the engine keeps one per worker). vinsts live in a
// kept pool and are named by index; they name their operands and templates
// by index ranges too, into two flat arrays of the function (the vcode's
// Ops, which the allocator reads in place, and the lowerer's templates), so
// a vinst holds no slice; after each function the Scratch drops every
// reference to it, so the garbage collector never marks a compiled
// function's SSA or vcode. Values the hot paths append (operands, moves,
// assembler records) are filled in place rather than built in a temporary
// and copied, which would stall on store forwarding.
//
// Guarantees: encoding never panics, whatever the Inst; an instruction no row
// accepts (wrong operand kinds, sizes, out-of-range immediates, RSP as an
// index) is reported as an *EncodeError. Registers are physical registers only.
// Every Inst prints in the Intel syntax GNU as accepts (with -mnaked-reg), and
// the golden test checks text and bytes against GNU as when it is installed.
// Nothing here depends on the host operating system.
package amd64
