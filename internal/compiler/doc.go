// Package compiler is the compiler engine: it implements engine.Engine by
// wiring the pipeline together, frontend (wasm → SSA) → ssa.Optimize →
// backend/amd64 (lowering, register allocation, emission) → link (here) →
// internal/vm (native code memory, stacks, the exit loop).
//
// Compile uses AVX/AVX2 forms where the host has them (Config.Baseline or
// the environment variable MOAT_NO_AVX keep the code to SSE). It compiles every
// function in parallel, and links them into one code blob, mapped W^X once
// per module and shared by all its instances: functions 16-byte aligned,
// direct calls and the shared poll stub patched, one entry stub per
// defined function.
//
// The linked code is position-independent and engine-independent: calls
// between its functions are relative, and everything else, the expected
// type ids of call_indirect included (abi.CtxTypeIDs), is read through the
// context. So the same bytes run from a fresh link or mapped straight from
// an artifact file (artifact.go: the tables section, tables.go; the code
// section), with no relocation, in any engine of the same build and target
// (Target, codeSettings).
//
// Compile budget (limits.go). Config.MaxFuncWork caps, per function, the
// SSA builder's walks (frontend.Env.MaxWork) and the allocator's live-in
// total (backend.Allocator.MaxLiveEntries), the two costs that can grow as
// values × blocks; Config.MaxFuncSize caps each function's SSA size
// (frontend.Env.MaxSize), checked as it is built, which bounds the memory
// of everything linear in it; Config.CompileTimeout is checked before each
// function. Past any, Compile fails with a *LimitError naming the function, after
// work and memory proportional to the cap, and the other workers stop.
//
// Bind gives each instance its native context: every memory moved into a
// reservation laid out as Config.Memory says (vm.Memory.MapNative, so it
// grows in place) and described in the memory descriptor array, an array
// of global cell addresses (the vm.Global's own words), table descriptors,
// a function table of function descriptors, and the module's canonical
// type ids. The context and the descriptors' room live in the context
// region of the pool slot its memory 0 takes, outside the Go heap (for a
// module of at most 64 functions), or else in the native state's own
// allocation (context.go); so does the instance's descriptor block (its
// defined functions' descriptors and its function table) when it fits in
// the region's 48 words after the context and no initialiser took a
// reference before Bind (refs.go). Closing an instance alone cuts its
// code, which the store's other instances may still call, off its
// memories and out of the slot before they go back, and keeps a
// descriptor block in the slot's region until the store is released
// (close.go).
//
// Bounds checks (memory.go, fault.go; docs/signals.md). With guard pages,
// the default where vm.EnableFaultTraps works (linux/amd64), each 32-bit
// memory reserves 4 GiB plus 32 MiB guards, a load or store of memory 0
// whose offset fits goes unchecked (accesses to other memories, and to
// 64-bit ones, which reserve their limit, are always checked) and
// unreachable is a ud2; their instructions are the module's fault sites,
// kept in its tables beside the call and trap sites (and so in artifacts).
// Code is registered with the signal handler when linked or loaded from an
// artifact. A fault the handler sends back (vm.Runner.Fault) becomes a trap
// only at a fault site of its kind and at an address in the instance's own
// reservation (or in the guard of the stack its call borrowed); any other
// is reported as a bug and ends the process. With explicit checks, every access is checked
// and memories reserve their limit. The mode, the reservation and the guard
// change the code, so they
// are settings in every artifact header (codeSettings).
//
// Function references. Stores of this engine are made by NewStore with a
// vm.RefCodec whose words are function descriptor addresses (abi/builtins.go),
// so a funcref means the same thing to compiled code, to vm.Table elements,
// to globals and to the public API (which resolves words with Store.Func).
// An instance's defined functions get their descriptors at Bind in one
// block per instance, copied from a template built once per module (code
// address, type id, host call stub) with the instance's context filled
// in; their vm.Function is made only when something outside compiled code
// first needs it (an export, a reference resolved by the host, a
// backtrace: vm.Instance.Func), so instantiating a module of a thousand
// functions makes none of them. A linker's host function has one
// descriptor for every store of the engine, in its shared function's
// allocation (ShareHost, vm.Share), which each importing instance's
// function table points at; the host functions a store makes for itself
// (moat.NewFunc) have theirs in the store's slabs. A call through a
// descriptor of another instance or of a host function leaves through the
// descriptor's host call stub (ExitHostCall by descriptor); the exit finds
// the callee among the calling instance's imports by that address, and the
// executor runs it with its own context on the same native stack, the
// calling instance's store passed to a host function.
//
// Backtraces (backtrace.go). Every trap site and call return address in
// the code maps to the wasm offset of its instruction (ssa.Inst.Pos, set by
// the frontend, kept by the back end in amd64.Compiled.Sites). On a trap the
// frame-pointer chain is walked from the exit, through vm.Stack.Word, so a
// trap carries the same frames and offsets as the interpreter's: innermost
// first, then each caller at its call, across instances (a callee's trap
// gets its callers' frames appended); a trap a host function returns passes
// through unchanged, and a host error gets the host function then its
// callers, as in the interpreter.
//
// Call depth and stack bytes. Prologues count frames (in the frames;
// abi.CtxCallCount carries the count in at entry and out at host calls):
// Config.MaxCallDepth nested wasm frames are allowed, counted across host
// re-entry through Store.HostCallDepth like the interpreter's, then
// TrapStackExhausted. An outermost call borrows a native stack from the
// engine's pool (pool.Stacks) on which its wasm frames may use
// Config.MaxStackBytes bytes (abi.CtxStackLimit lies that far below the
// top); a nested entry from a host function continues below its caller on
// the same stack, so the bytes count across host re-entry too. A prologue
// that would pass the limit traps the same way.
//
// WebAssembly 3.0: the compiler runs all of it, as the interpreter does
// (features.go); GC's builtins are builtins_gc.go, the heap's hole and
// type ids reach the code through the context (bind.go: refreshGC,
// syncGC), and the store's native stack is scanned for roots (refs.go). Tail calls out of a run's first frame into another
// instance or a host function are made by the executor, in a loop, so they
// take constant space (exec.go). Exceptions are unwound on the native
// stack: the landing table of the try_calls (tables_exceptions.go) and the
// handlers' clauses decide where a run resumes (exceptions.go). Every
// memory is mapped to grow in place and reached through a descriptor array
// (Bind); the builtins of memories other than a 32-bit memory 0 are in
// builtins_memory.go.
//
// Guarantees: bad modules give errors, never panics; traps become *vm.Trap
// with the interpreter's codes and backtraces; a spinning guest polls, so
// cancellation, deadlines, fuel, the Go scheduler and garbage collection
// get through (internal/vm's pacer.go). Polls compare the epoch with a
// deadline (internal/vm's epoch.go); Config.ConsumeFuel makes them count
// instead and keeps a poll at every function entry, so fuel counts the
// interpreter's units. Only linux/amd64 with the
// required CPU features is supported.
package compiler
