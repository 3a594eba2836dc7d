// Package wasm is the module model every stage of moat shares: value and
// function types, the sections of a decoded module, the opcode table and the
// error type for malformed and invalid modules.
//
// The type model is WebAssembly 3.0's, GC included, so that the engines'
// part of GC adds no new representation. A ValType is one word (numbers,
// v128, and references as nullability plus HeapType: an abstract heap type
// any/eq/i31/struct/array/none, func/nofunc, extern/noextern, exn/noexn or
// a type index of the module). Module.Types holds TypeDefs (function,
// struct or array composites with their finality, declared supertypes and
// recursion group); CanonicalizeTypes gives each the key of its
// iso-recursive equivalence class, so types of different modules compare
// by key, and subtype.go matches heap and value types across modules.
// Features (features.go) names the post-2.0 features by Wasmtime's flag
// names; each OpInfo says which feature introduced its opcode, and the
// validator records in Module.Features which ones a module uses.
//
// It stands at the start of the pipeline (decode → validate → interp, or
// frontend → ssa → backend → vm) and holds data only: the decoder in
// internal/binary fills a Module, the validator checks it, and the engines
// read it. Nothing here executes code or allocates runtime state, so one
// Module can back any number of instances on any engine.
package wasm

//go:generate go run ./internal/opgen opcodes.txt opcodes_gen.go
