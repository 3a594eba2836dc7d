// Package text reads the WebAssembly text format: modules (.wat) and the
// spec test scripts (.wast), in their 3.0 syntax (rec groups, subtypes,
// struct and array types, typed references, tags and try_table, memory
// indices, i64 memories and tables, annotations, and the script commands
// module definition, module instance and assert_exception with either
// results).
//
// Where it stands in the pipeline: text → (this package) → the module model
// of internal/wasm, exactly as internal/binary's decoder would fill it from
// the equivalent binary, with function bodies already encoded to binary
// (wasm.Code.Body) by internal/binary.AppendInstr. The model then goes
// through validation like any decoded module; this package checks only
// what the text format itself requires (syntax, identifiers, literal
// ranges, label matching, type-use consistency, import placement).
// Identifiers of the module, its functions and their locals are kept in
// the name section model (wasm.Module.Names), as `wat2wasm --debug-names`
// would write them.
//
// ParseModuleMap also returns a SourceMap: where each field and each
// instruction of a body was written, so that an error found later at a
// byte offset of the encoded binary (a validation error) can be reported
// at its line and column (SourceMap.Locate), as moat.CompileText and the
// moat command report them.
//
// Guarantees: any input gives either a result or a *Error carrying a
// 1-based line and column; no input panics, hangs or allocates memory out of
// proportion to its size (nesting depth is bounded so recursion is too).
// ParseScript keeps `(module binary ...)` bytes and `(module quote ...)`
// text unparsed, so the runner decides what a malformed module means.
package text
