// Package vm holds the runtime state that every engine shares: stores,
// instances, functions, linear memories, tables and globals, plus traps.
// Both engines, the interpreter and the compiler, run against these
// structures, so the vm's stores, functions and traps mean the same to both.
// CurrentGoroutine names the calling goroutine, which lets the public layer
// tell a host function's call back into its store from another goroutine's
// call; it and PreemptRequested share one accessor for the runtime's g
// (goroutine.go), whose layout abi/goruntime.go documents.
//
// Reference values are 64-bit words. A funcref is 0 for null or 1 + the
// function's index in its Store's function list (an engine's RefCodec may
// choose other words), or for a host function shared by every store
// (shared.go) the one word it has in all of them, so references can be held in
// plain uint64 slots without hiding Go pointers from the garbage collector,
// and a reference made up by a host is checked against the store, never
// dereferenced. References of the any and extern hierarchies (i31s, GC
// objects, host values: externrefs) are the words of the store's GC heap
// (gc.go, and gcheap for their encoding); the store knows the roots and
// the host's rooted words. An exnref
// is 0 for null or 1 + an index into the store's list of caught exceptions
// (exception.go): an Exception (a Tag and its payload words) is an error,
// so it leaves an engine or a host function like one and crosses host calls
// and instances; a store holds at most MaxExceptionRefs of them.
//
// Native code (linux/amd64; elsewhere the native API reports
// ErrNativeUnsupported). Code holds machine code in its own mapping,
// writable until sealed and read+execute after, never both. Stack is an
// mmap'd native stack with a PROT_NONE guard region below it. Context is the
// execution context whose layout internal/abi fixes. Runner.Run enters
// generated code through a small trampoline (Go assembly, then stubs in a
// runtime-owned code page) that switches to the native stack with the
// context in R15; the code never calls Go, it leaves through an exit (exit
// code and arguments in the context, resume point saved) and Run serves the
// exit in Go (host call, memory or table growth, trap, poll) and re-enters.
// Linear memories leave the Go heap for a mapping (Memory.MapNative, with a
// Layout): reserved whole, committed as they grow, PROT_NONE past their
// length and in guard regions around them. In guard-page mode generated
// code accesses them without bounds checks; the signal handler of
// internal/vm/sigtrap (installed by EnableFaultTraps) sends a fault in
// registered code (Code.AllowFaults) to the fault exit, and Run hands it
// to Runner.Fault as a Fault, which becomes a trap or, for a fault the
// code could not have caused, a crash with a report. Every mapping is
// charged to a process-wide account of address space and kernel mappings
// (space.go), and refused with a *SpaceError past its limits.
// Polls keep the Go runtime in charge: at function entries and loop
// headers the code compares the process's epoch with its context's
// deadline (epoch.go; a thread of moat's own advances the epoch every
// 100 µs while spinning guests crowd the Ps or one of them needs every
// tick, every millisecond otherwise),
// or a store's own (Store.Deadline), or with fuel decrements a poll
// counter, and
// either way also exits when the running goroutine's g says the Go
// runtime wants it stopped (goroutine.go, abi/goruntime.go), so a
// stop-the-world never waits on a guest; cancellation from another
// goroutine zeroes the deadline and drives the counter negative. At the
// visit, Run accounts fuel (fuel.go), checks the deadline and lets the
// pacer (pacer.go) yield the goroutine once its time slice is over, so
// other goroutines get the thread within a fraction of a millisecond
// (while a garbage collection marks and the guests crowd the Ps, a guest
// parks instead, once per cycle and for a millisecond at most, so that
// the collector's idle workers mark on every CPU: gcpark.go); the pacer
// sets the next epoch deadline, or sizes the counter's grants in time. With a store's CPU lanes (lanes.go), the end of a slice of a call
// that has run long is a turn in the lanes instead, so that long-running
// guests use at most the lanes' CPUs between them (or their duty of them). Long bulk
// operations run in chunks with the same checks between them (bulk.go),
// for both engines, each chunk sized by the time the last one took
// (bulk_pace.go). Native stacks and the
// shared part of the context hold no Go pointers (only addresses of memory
// outside the Go heap or kept alive by its owner), and no state of the Go
// stack survives from one entry to the next.
package vm
