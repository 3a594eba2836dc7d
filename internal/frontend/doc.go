// Package frontend translates one validated WebAssembly function at a time
// into an ssa.Func. It knows WebAssembly and the runtime contract of
// internal/abi, and knows no machine.
//
// Place in the pipeline: validated wasm.Module → Translate (here) → ssa
// passes → back end. A module whose bodies are not yet validated
// (validate.ModuleDeferred) is translated with TranslateValidating, which
// validates each instruction before translating it: the compiler's one
// walk over each body. Every v128 instruction is translated too (simd.go,
// the vector IR of internal/ssa); UsesSIMD tells whether a module has any.
//
// What a translated function looks like:
//   - Signature (ctx i64, wasm params...) -> wasm results; references are
//     i64 words (0 is null; a funcref is a function descriptor address).
//   - Locals are builder variables; Wasm blocks, loops and ifs become SSA
//     blocks whose parameters carry the values a branch passes (results,
//     or a loop's parameters). Unreachable code is never emitted. Blocks
//     are laid out in source order (an if's arms before the block after
//     it).
//   - SSA construction stays linear on structured code (assigned.go): each
//     frame logs the locals it assigns; the block after a block or if
//     gets parameters only for those, when read there or later, and reads
//     every other local where the frame began (ssa.Builder.MergeVars), and
//     a loop header's parameters for locals the loop never assigns take
//     the value on entry when the loop ends (ssa.Builder.SealLoop).
//     Env.MaxWork caps what remains (the builder's walks from a read to
//     its definition); past it Translate fails with an error wrapping
//     ErrLimit.
//   - Env.MaxSize caps the SSA function's values and blocks, checked after
//     each instruction (past it, an error wrapping ErrSizeLimit), and caps
//     the size hints taken from the body's length, so a function the cap
//     refuses never gets storage sized for all of it.
//   - Traps are explicit: division guards (trapz for a zero divisor,
//     trapnz for signed overflow; signed MIN % -1 divides by 1 instead),
//     bounds checks before memory accesses (uextend(addr) + offset + size >
//     length, unsigned in 64 bits, traps heap_oob; the access itself is
//     then notrap), table bounds, null and signature checks before
//     call_indirect, and unreachable. Float-to-int conversions trap through
//     the fcvt_to_sint/uint opcodes' own documented semantics. The one
//     exception is guard-page mode (Env.Unchecked): a load or store that
//     cannot reach past the memory's reservation and guard has no check and
//     is left trapping (no notrap), the guard pages being its check (see
//     checkedAddr for why it cannot leave the reservation).
//   - The poll counter is decremented at function entry and at every loop
//     header: one call of the poll-tick builtin, which decrements it and
//     exits to the runtime when it goes negative; with Env.EpochPolls the
//     poll-epoch builtin instead, which compares the epoch with the
//     context's deadline. Code that runs long without either, straight
//     lines of thousands of instructions, polls every PollStretch
//     instructions along each path (stretch.go). A function that neither
//     loops nor calls, and runs at most a call's share of that, has no
//     entry poll: its callers poll. Nor has one whose every call lies
//     inside a loop: a loop-header poll precedes each of its calls.
//     Env.PollEveryEntry keeps every entry poll (fuel counts each entry).
//     Optimize (ssa.DefaultPasses, then the last pass of Passes) removes
//     the epoch polls of loops that provably do at most BoundedLoopWork
//     per entry.
//   - The stack limit is not checked here: the back end's prologue does it.
//   - Calls to defined functions are "call fnN" with the same context;
//     imported functions and call_indirect go through function descriptors
//     (callee code and context, type id). Operations too large to inline
//     (memory.grow, table.grow, bulk memory and table operations) are
//     direct calls to callee abi.BuiltinCallee + abi.Builtin, with the
//     context first; the back end turns them into exits.
//
// runtime.go is the one file that decides how Wasm state is reached from
// the context (memory base and length, globals, tables, descriptors); the
// rest of the package goes through it. control.go, numeric.go, memory.go,
// calls.go and tables.go translate the instruction families of 2.0; the
// 3.0 ones are tailcalls.go (return_call*, ending the block with a tail
// call), typedrefs.go (call_ref, br_on_null, br_on_non_null,
// ref.as_non_null), exceptions.go (throw, throw_ref, try_table: try_calls,
// the caught test and the handlers' dispatch; Translator.Handlers lists a
// function's handlers for the runtime), memory_multi.go (memories other
// than a 32-bit memory 0, with their own explicit checks) and
// simd_relaxed.go (relaxed SIMD). Garbage collection is gc_heap.go (the
// heap's base, field access, inline allocation), gc_struct.go, gc_array.go
// and gc_cast.go (casts, br_on_cast, i31, ref.eq); docs/gc.md describes
// the design.
//
// A Translator translates function after function into one reused
// ssa.Func (valid until its next call), which is how the compiler's
// workers call the frontend; Translate returns a fresh function.
//
// Guarantees: Translate never panics on a module that internal/validate
// accepted; what it returns passes ssa.Verify; errors are *Error with the
// function index and module offset. The tests check every function of the
// spec suite and the benchmark modules, and run the spec suite's
// assertions on the SSA through internal/ssa/ssatest with a fake runtime.
package frontend
