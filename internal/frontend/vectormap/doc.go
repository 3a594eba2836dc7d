// Package vectormap is the one table between WebAssembly's v128
// instructions and the vector IR of internal/ssa: which (opcode, lane
// shape, condition) each Wasm instruction becomes.
//
// Place in the pipeline: beside the frontend. internal/frontend reads it
// from Wasm to SSA (simd.go); the SSA test interpreter internal/ssa/ssatest
// reads it back from SSA to Wasm, to run each vector opcode with the
// interpreter's bit-exact lane semantics (internal/interp/simd). It holds
// data only.
package vectormap
