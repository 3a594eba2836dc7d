// Package compiler is the compiler engine: it implements engine.Engine by
// wiring the pipeline together, frontend (wasm → SSA) → ssa.Optimize →
// backend/amd64 (lowering, register allocation, emission) → link (here) →
// internal/vm (native code memory, stacks, the exit loop).
//
// Compile refuses SIMD modules with an error wrapping frontend.ErrSIMD (so
// the public layer can fall back to the interpreter), compiles every
// function in parallel, and links them into one code blob, mapped W^X once
// per module and shared by all its instances: functions 16-byte aligned,
// direct calls and the shared poll stub patched, one entry stub per
// defined function.
//
// Bind gives each instance its native context: memory 0 moved into a
// reservation of its whole limit (vm.Memory.MapNative, so it grows in
// place), an array of global cell addresses (the vm.Global's own words),
// table descriptors, and a function table of function descriptors.
//
// Function references. Stores of this engine are made by NewStore with a
// vm.RefCodec whose words are function descriptor addresses (abi/builtins.go),
// so a funcref means the same thing to compiled code, to vm.Table elements,
// to globals and to the public API (which resolves words with Store.Func).
// A call through a descriptor of another instance or of a host function
// leaves through the descriptor's host call stub (ExitHostCall by
// descriptor); the executor then runs the callee with its own context on
// the same native stack.
//
// Guarantees: bad modules give errors, never panics; traps become *vm.Trap
// with the interpreter's codes and at least the trapping function in the
// backtrace; a spinning guest polls, so cancellation and the Go scheduler
// get through. Only linux/amd64 with the required CPU features is supported.
package compiler
