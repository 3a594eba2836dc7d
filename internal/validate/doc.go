// Package validate checks a decoded module against the WebAssembly 3.0
// validation rules: the 2.0 features (MVP, sign-extension, non-trapping
// float-to-int, multi-value, bulk memory, reference types, fixed-width
// SIMD) plus tail calls, typed function references (with local
// initialisation), exception handling, multiple and 64-bit memories,
// 64-bit tables, relaxed SIMD, extended constant expressions and garbage
// collection: struct and array types with packed and mutable fields, rec
// groups, subtype declarations with final, every GC instruction
// (gc_struct.go, gc_array.go, gc_refs.go) and the GC instructions of
// constant expressions (gc_const.go). ModuleFeatures validates with some
// features turned off, as 2.0 does. A valid module's Features records the
// post-2.0 features it uses.
//
// It stands between the decoder and the engines:
//
//	bytes ─ binary.Decode ─ validate.Module ─ interp / frontend …
//	bytes ─ binary.Decode ─ validate.ModuleDeferred ─ frontend, each body validated as it is translated
//
// Engines may rely on everything it checks: every index (type, function,
// table, memory, global, local, label, element and data segment) is in
// range, every function body and constant expression is well typed, memory
// alignment hints are at most natural, SIMD lane indices are in range,
// every ref.func in a body names a declared function, every local is set
// before it is read unless its type is defaultable, every call_ref and
// return_call_ref names a function type, and a tail call's callee returns
// what its caller does.
//
// A rejected module gets a *wasm.Error of Kind Invalid whose Msg starts with
// the reference interpreter's wording ("type mismatch", "unknown global 3",
// …), whose Offset points at the offending instruction or constant
// expression (for errors about an import, function declaration, table,
// memory, export or the start function: at their section), and whose Func
// is the function index for errors inside a body. Any input the
// decoder accepts is handled without panicking, and memory use is bounded by
// the module's size (see maxOperands).
//
// Bodies are checked with the operand-stack / control-stack algorithm of the
// spec's appendix. Ordinary instructions are typed from the opcode table
// (wasm.OpInfo Params/Results) plus their immediate checks, so only control,
// variable, reference, table, call and select instructions have code here.
// One validator state is reused for all bodies of a module, so validating an
// instruction allocates nothing.
//
// An engine that reads every body anyway validates it as it reads it
// (deferred.go): ModuleDeferred checks all but the bodies, and a
// FuncValidator per goroutine checks a body one instruction at a time,
// before the engine acts on it. The compiler does so as it translates, so
// that each body is decoded and walked once. After a failure of any kind
// the engine calls Deferred.Check, which validates the bodies as Module
// does, so an invalid module gets the same error either way. The control stack (ctrlstack.go) holds a
// 24-byte frame per open block in chunks that never move: at most 12 bytes
// per byte of body, with no copy on growth.
package validate
