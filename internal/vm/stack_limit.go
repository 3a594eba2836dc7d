package vm

// The stack limit both engines enforce: how many bytes the wasm frames of
// one call chain (across host re-entry) may use. The compiler's native stack
// is mapped from it; the interpreter charges its frames against it (see
// package interp). Whichever of this and the call-depth limit is reached
// first traps with abi.TrapStackExhausted.

// DefaultStackLimit is the limit when an engine is given none: the 8 MiB
// that Go's own wasip1 runner grants wasmtime (max-wasm-stack), enough for
// the tests of Go's standard library. Native stacks commit only the pages
// code touches and the interpreter grows its slices on demand, so a generous
// default costs address space, not memory.
const DefaultStackLimit = 8 << 20

// MaxStackSize bounds the stack limit an engine accepts.
const MaxStackSize = 1 << 30
