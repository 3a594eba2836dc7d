// Package sigtrap turns hardware faults in moat's generated code into
// WebAssembly traps, without cgo: a SIGSEGV/SIGBUS (and SIGFPE/SIGILL)
// handler written in Go assembly, installed with the raw rt_sigaction
// system call in front of the Go runtime's own handler, and the lock-free
// tables it reads.
//
// Place in the pipeline: internal/vm (the runtime) registers what the
// handler must know and gives it the address of the trap exit; nothing
// else imports this package. It imports only internal/abi (trap codes).
//
// What the handler does (handler_linux_amd64.s). The kernel enters it on
// the thread's signal stack (Go gives every thread one) with the signal
// number, the siginfo and the interrupted ucontext. A kernel-detected fault
// (si_code > 0) whose PC lies in a registered code range is classified:
//   - SIGSEGV or SIGBUS at an address inside a registered memory
//     reservation: out of bounds memory access;
//   - SIGSEGV or SIGBUS at an address inside a registered native stack
//     guard: call stack exhausted;
//   - SIGFPE: integer divide by zero; SIGILL: unreachable;
//   - anything else at a PC in generated code: unexplained (a moat bug).
//
// A classified fault is not resumed: the handler rewrites the ucontext so
// that the thread continues at the runtime's fault exit (SetFaultExit) with
// the class, the faulting PC, the data address and the signal in
// registers, RSP and RBP as they were at the fault. That exit leaves
// through the runtime's normal exit path, and the runtime (Go code, off the
// signal stack) checks the class against its own tables and builds the
// trap and its backtrace, or, for an unexplained fault, crashes loudly.
//
// SIGURG, the Go runtime's preemption signal, is only looked at: when its
// PC lies in registered code, the handler stores 0 into the epoch
// deadline of the context that code runs with (R15, abi.CtxEpochDeadline)
// so that the code's next poll exits to the runtime, which then yields as
// the Go runtime asked; then it forwards the signal like any other.
//
// Every other signal (a PC in Go code, in the runtime's own stubs, or a
// signal another process or thread sent) goes to the handler that was
// installed before, unchanged: the handler jumps to it with the kernel's
// registers and stack, so Go's nil-pointer panics, debug.SetPanicOnFault,
// crash reports and any other runtime's handler behave as before. When the
// previous disposition was SIG_DFL or SIG_IGN the handler puts it back and
// returns, so that the faulting instruction runs again under it (what
// Wasmtime does).
//
// Why the handler is assembly. It runs on the signal stack of whatever
// thread faulted, with the Go runtime in any state (the garbage collector
// may have stopped the world, the thread may be in the middle of the
// scheduler). Go code compiled for it would still assume a goroutine: stack
// checks that call morestack, write barriers, race-detector calls. The
// assembly touches nothing of the runtime: it reads the siginfo, the
// ucontext and this package's fixed tables, writes the ucontext, and
// either returns or jumps. It allocates nothing, takes no lock, makes no
// system call except rt_sigaction on the SIG_DFL path, and is reentrant,
// so any number of threads may fault at once.
//
// The tables (table.go). Each entry is one 64-bit word encoding a
// page-aligned range (start page and length in pages), written with an
// atomic store, so a reader on another thread sees either the old or the
// new range, never a mix. Code ranges and stack guards are arrays scanned
// up to a high-water mark; memory reservations (at least 4 GiB each) are
// indexed by their 4 GiB granules, two entries per granule, so finding
// the reservation of an address costs two loads. The arrays are fixed
// package variables: they are never freed or moved. The publication
// protocol: an entry is stored before anything can run in or touch its
// range, and cleared only after nothing can any more (the owner's Close or
// cleanup), then the range is unmapped; a handler that read a cleared
// entry's old value is one whose thread was not executing there. Writers
// serialise on a mutex; readers never wait.
package sigtrap
