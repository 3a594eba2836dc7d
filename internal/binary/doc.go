// Package binary decodes the WebAssembly 3.0 binary format into a
// wasm.Module (DecodeFeatures decodes as if some features did not exist,
// as 2.0 does). It is the first stage of the pipeline: bytes → binary →
// validate → engines.
//
// Guarantees:
//   - Every malformed module (in the spec's sense: bytes that are not a
//     module in the binary format) is rejected by Decode with a *wasm.Error
//     of Kind Malformed carrying the byte offset and the spec interpreter's
//     wording where it has one. Function bodies are skimmed instruction by
//     instruction, so a malformed body is caught here, not later; except
//     by DecodeDeferred, for an engine that reads every body anyway (the
//     compiler, validating and translating it in one walk): it refuses
//     what the skim refuses as it reads, and after any failure SkimBodies
//     gives Decode's verdict, so the error is the same.
//   - Decode never checks validity (types, indices, constant-expression
//     rules): a well-formed but invalid module decodes and the validator
//     rejects it. The one exception is a type index past the implementation
//     limit of 1,000,000 types, reported as an invalid "unknown type".
//   - Hostile input cannot crash, hang or exhaust the host: every declared
//     count or length is checked against the bytes that remain before
//     anything is allocated for it, and the implementation limits the
//     engines agree on (those of the JS embedding API and wasmparser, in
//     limits.go: 1,000,000 functions, imports, exports, globals and tags;
//     100 tables and memories; 100,000 element and data segments; 1,000
//     parameters and results per function type; 10,000 struct fields;
//     7,654,321 bytes per function body; 100,000 bytes per name; 50,000
//     locals per function) are checked as each count is read: past one, a
//     malformed-module error names the limit, the section and the offset.
//   - Data segments, custom sections and function bodies alias the input
//     bytes; the caller must not modify them afterwards.
//   - A constant expression has at most 10000 instructions (an
//     implementation limit: valid ones are short).
//   - memory.init or data.drop without a data count section is malformed
//     only when the module has data segments; with none, the index is just
//     unknown and the validator reports it (as the spec tests expect).
//   - A broken `name` section is ignored, never an error.
//
// ExprReader is the shared instruction reader used by Decode, the validator
// and the engines; it allocates nothing in steady state.
//
// The other direction: Encode writes a wasm.Module (decoded, or parsed from
// the text format) canonically, as wabt does, so that Encode(Decode(b)) is
// b for every module wabt wrote (custom sections aside) and Decode(Encode(m))
// is m for every module Decode accepts. AppendInstr encodes one instruction.
package binary
