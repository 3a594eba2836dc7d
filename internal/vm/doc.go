// Package vm holds the runtime state that every engine shares: stores,
// instances, functions, linear memories, tables and globals, plus traps.
// The interpreter executes against these structures today; the native code
// engine runs against the same ones, so instances of either engine link
// together.
//
// Reference values are 64-bit words. A funcref is 0 for null or 1 + the
// function's index in its Store's function list, so references can be held in
// plain uint64 slots without hiding Go pointers from the garbage collector,
// and a reference made up by a host is checked against the store, never
// dereferenced. An externref is an opaque host word, 0 for null.
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
// Polls keep the Go runtime in charge: the code decrements a poll counter at
// function entries and loop headers and also exits when the running
// goroutine's g says the Go runtime wants it stopped (goroutine.go,
// abi/goruntime.go), so a stop-the-world never waits on a guest;
// cancellation from another goroutine drives the counter negative. When
// the counter runs out, Run accounts fuel (fuel.go), checks the deadline
// and lets the pacer (pacer.go) yield the goroutine once its time slice is
// over, so other goroutines get the thread within a fraction of a
// millisecond; the pacer sizes the counter's grants in time. Long bulk
// operations run in chunks with the same checks between them (bulk.go),
// for both engines. Native stacks and the
// shared part of the context hold no Go pointers (only addresses of memory
// outside the Go heap or kept alive by its owner), and no state of the Go
// stack survives from one entry to the next.
package vm
