// Package simd implements the lane arithmetic of every WebAssembly 2.0
// fixed-width SIMD (v128) instruction as plain Go functions on a 128-bit
// value.
//
// Place in the pipeline: it sits beside the interpreter (internal/interp),
// which decodes 0xFD instructions, does the memory accesses and stack
// handling, and calls into the tables here indexed by sub-opcode
// (wasm.Opcode & 0xff). It imports only internal/wasm (for opcode
// constants) and the standard library.
//
// Guarantees:
//   - Results are bit-exact with the spec: wrap-around and saturating integer
//     arithmetic, signed/unsigned saturation on narrowing, shift counts taken
//     modulo the lane width, all-ones/all-zeros comparison lanes.
//   - f32x4 arithmetic is done in float32 (no double rounding). A NaN input
//     gives a quiet NaN carrying an input's payload; a NaN generated from
//     non-NaN inputs is a canonical NaN of either sign (as the hardware
//     makes it). min/max propagate NaN and order -0 below +0; pmin/pmax are
//     exactly b<a?b:a and a<b?b:a. nearest rounds half to even.
//   - trunc_sat maps NaN to 0 and saturates; the _zero forms zero the upper
//     lanes.
//   - No function panics or allocates for any input: lane indices passed to
//     ExtractLane/ReplaceLane/Shuffle are masked to the valid range (the
//     validator has already rejected out-of-range immediates).
//
// Table entries for sub-opcodes that do not have that shape stay nil.
package simd
