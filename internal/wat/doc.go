// Package wat prints a wasm.Module in the WebAssembly text format (3.0's:
// rec groups, subtypes, struct and array types, typed references, tags,
// try_table, memory indices, i64 memories and tables), as wasm2wat does: the inverse of package text, used by `moat wasm2wat` and by
// the round-trip tests. It stands beside the decoder at the front of the
// pipeline (bytes → binary → wasm.Module → wat → text) and knows nothing of
// validation or execution.
//
// Guarantees:
//   - Every module Decode accepts prints, valid or not, and parsing the text
//     back (text.ParseModule) and encoding it (binary.Encode) gives the same
//     bytes as binary.Encode of the original model, custom sections aside.
//     The exceptions are models the text format cannot express: a body
//     that does not read as instructions, or a memory alignment of 2^32 or
//     more (both make Print return an error), and a constant expression
//     the decoder cut short.
//   - The output is flat (one instruction per line, indented by nesting)
//     and every reference is an explicit index, so it round-trips
//     without name resolution; definitions carry their index in a
//     `(;N;)` comment and, where the name section gives a usable one, a
//     `$name`.
//   - Numbers print exactly: integers in decimal, floats in their shortest
//     round-tripping decimal form, NaNs as `nan:0x…` with their payload,
//     v128 constants as i32x4 hex lanes.
//   - Printing never panics on a hostile model: anything that cannot be
//     read prints as a comment and Print reports an error.
package wat
