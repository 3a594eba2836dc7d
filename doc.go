// Package moat runs WebAssembly 2.0 modules in sandboxes, from Go, with no
// cgo and no global state.
//
// The pieces follow wasmtime's model:
//
//   - An Engine (NewEngine) holds the configuration (which engine runs code,
//     memory, table, call-depth and stack limits) and compiles modules. It is safe
//     for concurrent use.
//   - A Module (Engine.Compile) is a decoded, validated and compiled module.
//     It is immutable: instantiate it as often as needed, concurrently.
//     Rejected bytes give a *CompileError whose Kind is Malformed or Invalid.
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
//   - An Instance exposes its exports: Func, Memory, Table and Global.
//
// Values cross the API as uint64 words: integers as their bit pattern
// (zero-extended), floats as IEEE-754 bits (EncodeF64, DecodeF32, ...),
// references as opaque words with 0 for null, and a v128 as two words, low
// half first. Func.Call takes and returns words; Func.CallWithStack does the
// same in a caller-provided slice without allocating.
//
// A guest fault ends a call with a *Trap carrying a TrapCode, the spec's
// message and a wasm backtrace. Context cancellation and deadlines stop
// running code with TrapInterrupted; recursion past Config.MaxCallDepth
// frames or Config.MaxWasmStack bytes with TrapStackExhausted. An error returned by a host function surfaces as a
// *Trap with TrapHostError that unwraps to that error. No input — module
// bytes or guest behaviour — may crash the host: internal faults are
// returned as errors.
package moat
