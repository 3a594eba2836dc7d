// Package ssa is moat's compiler IR: functions of basic blocks with typed
// block parameters (no phi nodes), values numbered densely per function,
// instructions from a table of Cranelift-like opcodes, and the tools that
// build, print, parse, check and optimise them.
//
// Place in the pipeline: internal/frontend lowers validated WebAssembly into
// an ssa.Func with a Builder; the passes here (Pipeline) simplify it; the
// back end (internal/backend) lowers it to machine code. This package knows
// neither WebAssembly nor any machine. Its only moat import is internal/abi,
// for the trap codes that trap, trapz and trapnz carry.
//
// Guarantees:
//   - Verify accepts a function only if every block ends in exactly one
//     terminator, every instruction has the argument and result types its
//     opcode's table row demands, block calls pass arguments matching the
//     target's parameters, and every use is dominated by its definition.
//   - Print and Parse are inverse: Parse(f.String()).String() == f.String().
//     Parse never panics and bounds what it allocates by its input.
//   - Every pass keeps a verifier-clean function verifier-clean and keeps
//     its observable behaviour (results, traps, memory effects, calls) exact,
//     including the WebAssembly rules for integer overflow and float NaNs:
//     nothing is folded whose result would depend on NaN bits or rounding.
//
// Where things are: types.go, opcodes.go (the opcode table),
// opcodes_simd.go (the vector opcodes and lane shapes), simd_consts.go (the
// 128-bit constant pool), constpool.go (the scalar constants, one value
// each, defined in no block) and func.go (Func, Block, Inst, the value
// table) are the IR, and arena.go the chunked storage a Func carves its
// instructions, blocks and value lists from (Func.Reset reuses it for the
// next function); builder.go, vars.go and vars_table.go the Builder with
// SSA construction for variables; print.go, lex.go, parse*.go the text
// form; verify*.go the verifier; cfg.go and loops.go the analyses (CFG,
// reverse postorder, dominator tree, natural loops); eval.go the exact
// constant evaluator; pass_*.go the passes, run in order by pipeline.go;
// scratch.go the buffers and cached analyses the passes reuse.
//
// Compile time: a compiler worker reuses one Func and one Builder for all
// its functions (Func.Reset, Builder.Reset) and the passes borrow pooled
// scratch for a pipeline run, so steady state allocates almost nothing
// here. Within a run, passes that change no branch hand the CFG and
// dominator tree on to the next pass instead of recomputing them.
//
// Conventions the frontend and back end share through this package: the
// execution-context pointer is an ordinary I64 function parameter (the
// first); pointers are I64; WebAssembly's booleans are I32; division and
// remainder are undefined on the inputs that trap in WebAssembly, so the
// frontend guards them with trapz/trapnz, which lets passes merge or delete
// them but never move them above their guards. Passes expect a function
// that Verify accepts.
//
// Semantics of the opcodes are documented on the Opcode constants. Adding an
// opcode means adding one row to the table in opcodes.go (vector opcodes:
// opcodes_simd.go); the printer, parser, verifier and the generic parts of
// the passes read that table and need no other change. simd_check.go and
// simd_builder.go are the vector forms' text, verifier and builder hooks.
package ssa
