// Package moat runs WebAssembly modules in sandboxes, from Go, with no cgo
// and no global state. The interpreter runs WebAssembly 3.0 except garbage
// collection; the compiler runs 2.0 plus extended constant expressions and
// refuses a module that uses another 3.0 feature with a *CompileError of
// Kind Unsupported naming it. Every 3.0 feature is on by default, as in
// Wasmtime; Config.DisabledFeatures turns features off.
//
// The pieces follow wasmtime's model:
//
//   - An Engine (NewEngine) holds the configuration (which engine runs code,
//     memory, table and call-depth limits) and compiles modules. It is safe
//     for concurrent use.
//   - A Module (Engine.Compile) is a decoded, validated and compiled module.
//     It is immutable: instantiate it as often as needed, concurrently.
//     Rejected bytes give a *CompileError whose Kind is Malformed or Invalid,
//     or Unsupported for a valid module the engine cannot run (its Feature
//     says why).
//   - A Store (NewStore) is one sandbox. Instances that link to each other
//     live in one store; stores share nothing, so a server makes one per
//     request or tenant and drops it. A store is used by one goroutine at a
//     time.
//   - A Linker (NewLinker) holds named definitions for imports: Go functions
//     (DefineFunc with reflection done once, DefineHostFunc without any),
//     externs of a store (Define), and whole instances (DefineInstance).
//     Linker.Instantiate resolves imports by module and name (a *LinkError
//     when one is missing or has the wrong type) and instantiates following
//     the spec: segments applied in order, then the start function.
//   - An Instance exposes its exports: Func, Memory, Table, Global and Tag.
//
// Values cross the API as uint64 words: integers as their bit pattern
// (zero-extended), floats as IEEE-754 bits (EncodeF64, DecodeF32, ...),
// references as opaque words with 0 for null (a word passed for a reference
// type is checked against the store and the type: a host cannot forge a
// funcref or exnref), and a v128 as two words, low half first. Func.Call takes and returns words; Func.CallWithStack does the
// same in a caller-provided slice without allocating.
//
// A guest fault ends a call with a *Trap carrying a TrapCode, the spec's
// message and a wasm backtrace. Context cancellation and deadlines stop
// running code with TrapInterrupted; recursion past Config.MaxCallDepth with
// TrapStackExhausted. An error returned by a host function surfaces as a
// *Trap with TrapHostError that unwraps to that error, except an
// *Exception: that is thrown into the calling WebAssembly code, and an
// exception nothing catches ends the call as an *Exception error. No input — module
// bytes or guest behaviour — may crash the host: internal faults are
// returned as errors.
package moat
