// Package ssatest is a reference interpreter for internal/ssa functions,
// for tests: the pass tests compare a function's behaviour before and
// after each pass with it, and the frontend's tests run translated
// WebAssembly on it (with a fake execution context) against the spec
// suite's expectations, without generating machine code.
//
// Place in the pipeline: beside ssa, test-only. It imports ssa and abi,
// and internal/interp/simd (with internal/wasm for its opcode numbers) for
// the lane arithmetic of the vector opcodes (vector.go, vector_ops.go).
//
// Guarantees: Machine.Run computes every opcode exactly as the ssa
// package documents it (integer wraparound, WebAssembly float rules; a NaN
// result is an arithmetic NaN: a NaN operand propagates quieted, fresh
// NaNs are canonical); it reports traps as *Trap, and everything the IR
// leaves undefined (division on the operands the frontend must guard, a
// fault of the Memory, a missing callee) as other errors, never a panic
// for a function that ssa.Verify accepts. MaxSteps bounds the run. A V128
// is two words (low half first) in argument and result lists.
package ssatest
