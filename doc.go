// Package moat runs WebAssembly modules in sandboxes, from Go, with no cgo
// and no global state. Both engines, the interpreter and the compiler, run
// all of WebAssembly 3.0, garbage collection included. Every 3.0 feature
// is on by default, as in Wasmtime;
// Config.DisabledFeatures turns features off.
//
// The pieces follow wasmtime's model:
//
//   - An Engine (NewEngine) holds the configuration (which engine runs code,
//     memory, table, call-depth and stack limits) and compiles modules. It is safe
//     for concurrent use.
//   - A Module (Engine.Compile, or Engine.CompileText for the text format)
//     is a decoded, validated and compiled module. It is immutable:
//     instantiate it as often as needed, concurrently. Rejected input gives
//     a *CompileError whose Kind is Malformed or Invalid, with the byte
//     offset and, for text, the line and column at fault; or Unsupported for
//     a valid module the engine cannot run (its Feature says why).
//   - A Store (NewStore) is one sandbox. Instances that link to each other
//     live in one store; stores share nothing, so a server makes one per
//     request or tenant and closes or drops it. A store runs one call at a
//     time: a call from another goroutine while one runs fails with
//     ErrStoreBusy, while a host function may call back into its own store.
//   - A Linker (NewLinker) holds named definitions for imports: Go functions
//     (DefineFunc, typed, inspected once; DefineHostFunc on raw words),
//     each bound once for every store, which a call learns through its
//     Caller; externs of a store (Define), and whole instances
//     (DefineInstance).
//     Linker.Instantiate resolves imports by module and name (a *LinkError
//     when one is missing or has the wrong type) and instantiates following
//     the spec: segments applied in order, then the start function.
//     Linker.Prepare does the resolving and type checking once and returns
//     an InstancePre, whose Instantiate is the per-request path of a
//     server: on the compiler, a module's data is a copy-on-write image
//     built once, so instantiating costs the same whatever its size.
//   - An Instance exposes its exports: Func, Memory, Table, Global and Tag.
//
// Compiled code can outlive the process that compiled it. Module.Serialize
// writes an artifact (a .cwasm file: the native code, what instantiation
// needs, a digest and an optional Ed25519 signature) and
// Engine.DeserializeFile loads one by mapping it, so its code pages are
// shared between processes; a failed check is an *ArtifactError naming what
// differs. Config.CacheDir keeps such artifacts in a directory, keyed by the
// module and everything the code depends on, so that each module compiles
// once. An artifact is native code: load only artifacts you trust, or set
// Config.TrustedKeys to require your signature (docs/artifacts.md).
//
// Values cross the API as uint64 words: integers as their bit pattern
// (zero-extended), floats as IEEE-754 bits (EncodeF64, DecodeF32, ...),
// references as opaque words with 0 for null (a word passed for a reference
// type is checked against the store and the type: a host cannot forge a
// funcref, an exnref or a GC reference; a funcref word carries its store's
// generation, so that one kept from a closed store is refused by the later
// stores that reuse its descriptors), and a v128 as two words, low half
// first. References of garbage collection (anyref, structref, externref…)
// follow Wasmtime's rooting rules: externrefs are made from Go values by
// NewExternRef, words handed to the host are rooted in the store until
// their RootScope ends, and each store's GC heap, capped by
// Config.MaxGCHeapBytes, is collected without pausing other stores
// (docs/gc.md). Func.Call takes and returns words; Func.CallWithStack does the
// same in a caller-provided slice without allocating.
//
// A guest fault ends a call with a *Trap carrying a TrapCode, the spec's
// message and a wasm backtrace (functions named by the name section, else
// by their first export name, as wasmtime names them). Context cancellation
// and deadlines stop running code with TrapInterrupted, within tens of
// microseconds whatever the code does; Config.ConsumeFuel and Store.SetFuel
// bound the work a store may do (TrapOutOfFuel); recursion past
// Config.MaxCallDepth frames or Config.MaxWasmStack bytes ends with
// TrapStackExhausted. A spinning guest never
// holds up the Go runtime: it gives its goroutine's thread to others every
// quarter of a millisecond and stops at once when a garbage collection or
// the scheduler asks. An error returned by a host function surfaces as a
// *Trap with TrapHostError that unwraps to that error; a panic in a host
// function does too, as a *PanicError. An *Exception returned by a host
// function is thrown into the calling WebAssembly code, and an exception
// nothing catches ends the call as an *Exception error. No input — module
// bytes, guest behaviour, or a misused API — may crash the host: internal faults are
// returned as errors.
package moat

//go:generate go run ./internal/hostgen hostfunc_gen.go hostfunc_gen_test.go
//go:generate sh testdata/small/build.sh
