// Package interp is moat's portable engine: it runs validated modules by
// interpreting a pre-decoded, register-style instruction stream.
//
// Place in the pipeline: bytes → internal/binary (decode) → internal/validate
// → interp.Compile (translate each body once) → Code.Bind (per instance) →
// Executor.Call (run). It is also the reference the native compiler is fuzzed
// against, so where speed and exactness conflict, exactness wins.
//
// Translation (translate*.go) turns each function body into a slice of
// fixed-size instructions whose operands are slots of the current frame:
// parameters and locals first, then the operand stack at heights known at
// translate time. local.get and constants are folded into their consumers,
// results are written straight into a following local.set/tee, integer
// compares fuse with br_if/if, and every branch target is a resolved
// instruction index with its value moves precomputed. Config.MaxFuncSize
// caps each function's instructions, br_table entries and open blocks
// (limit.go), checked as the code grows, so translating one function
// takes memory proportional to the cap at most.
//
// Execution (exec*.go) is one loop with a dense switch over the opcode.
// wasm→wasm calls never recurse in Go: a call pushes a frame on an explicit
// frame stack and the callee's frame overlaps the caller's argument slots, so
// arguments and results are never copied. The value stack grows by copying
// (frames hold offsets). Two limits bound a call chain, both counted across
// host re-entry (vm.Store.HostCallDepth and HostStackBytes): Config.MaxCallDepth
// frames, and Config.MaxStackBytes bytes, each frame charged 8 bytes per
// value-stack slot plus FrameOverheadBytes. Whichever is reached first is the
// trap abi.TrapStackExhausted; so a recursion allocates a small multiple of
// the byte limit at most, however large the depth limit.
//
// Polls (poll.go) are where compiled code polls for fuel: every function
// entry and every loop header reached; without fuel, every return too. Each checks the interrupt flag and counts down
// a grant of polls; when the grant runs out the runtime's pacer
// (internal/vm) accounts fuel, checks the deadline and yields the goroutine
// once its time slice is over, so a spinning guest holds its thread for a
// fraction of a millisecond at a time. Bulk operations run in chunks with a
// checkpoint between them: memmove and memclr are assembly the Go runtime
// cannot preempt.
//
// WebAssembly 3.0 (exec_calls.go, exec_exceptions.go, exec_memory.go):
// tail calls reuse the caller's frame (the callee's arguments move down to
// the frame base), so a chain of return_calls runs in constant stack, into
// wasm, host functions and other instances alike. A thrown exception is a
// *vm.Exception; throwing unwinds the frame stack to the innermost
// try_table handler that catches it, and leaves Call as that error when
// none does, so it crosses host functions and instances (a host function
// throws by returning one). Memory accesses to a memory other than 0 or to
// a 64-bit memory take a generic path with an explicit bounds check;
// memory 0 of 32 bits keeps its fast path. Relaxed SIMD gives the results
// documented in simd/relaxed.go.
//
// Garbage collection (translate_gc.go, exec_gc*.go): objects live in the
// store's heap (internal/vm/gcheap); struct fields and array elements are
// read and written at offsets computed at translation, casts compare the
// store's type ids, and br_on_cast is a branch of the main loop. While a
// call runs, its machine is registered with the store as a StackScanner:
// a collection scans the live slots of its value stack conservatively
// (slots are untyped), which is sound because the heap never moves an
// object.
//
// Guarantees: every WebAssembly 3.0 instruction behaves as the spec says
// (including trap codes, NaN rules and bulk-operation bounds checks done
// before any write); a guest can never crash or hang the host: context
// cancellation and deadlines are checked at every poll and between chunks
// of bulk operations, and fuel is counted in the compiler's units; a Go
// panic (a bug) is recovered at the Call boundary and reported as an
// error, never as a crash. Traps are *vm.Trap with a backtrace of module-binary offsets.
package interp

//go:generate wat2wasm --debug-names testdata/control.wat -o testdata/control.wasm
//go:generate wat2wasm --debug-names testdata/fib.wat -o testdata/fib.wasm
//go:generate wat2wasm --debug-names testdata/mandelbrot.wat -o testdata/mandelbrot.wasm
//go:generate wat2wasm --debug-names testdata/matmul.wat -o testdata/matmul.wasm
//go:generate wat2wasm --debug-names testdata/memcopy.wat -o testdata/memcopy.wasm
//go:generate wat2wasm --debug-names testdata/sieve.wat -o testdata/sieve.wasm
