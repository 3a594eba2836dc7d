package vm

import "github.com/moat-run/moat/internal/abi"

// The running goroutine's g, in one place. getg (assembly on amd64 and
// arm64) reads the g pointer the way the runtime's own assembly does; it
// serves two purposes:
//
//   - CurrentGoroutine names the calling goroutine, which lets the public
//     layer tell a host function's call back into its store from another
//     goroutine's call;
//   - PreemptRequested reads g.stackguard0, the word the Go runtime sets to
//     ask a goroutine to stop. Compiled code polls the same word through
//     the g pointer the runner stores in its context at every entry (CtxG).
//
// What is assumed about g's layout is written down in abi/goruntime.go and
// checked against the running runtime by TestGoRuntimeAssumptions.

// CurrentGoroutine returns a word that identifies the calling goroutine
// among the goroutines alive at the same time: one goroutine always gets the
// same word, and two goroutines alive at once never get the same word (a
// word may come back for a goroutine started after its owner exited). A
// store keeps the word of the goroutine running a call in it, so that a
// host function's own re-entry can be told from another goroutine's call.
// It is the g pointer where this build has an accessor for it (amd64,
// arm64) and the goroutine's id elsewhere.
func CurrentGoroutine() uintptr { return currentGoroutine() }

// PreemptRequested reports whether the Go runtime has asked the calling
// goroutine to stop at its next safepoint (a garbage collection's
// stop-the-world, a stack scan, or the scheduler's 10 ms time slice). Go
// code that runs a long operation in assembly the runtime cannot preempt
// (memmove and memclr behind the bulk operations) asks it between chunks.
// It costs a call and two loads. Where this build has no accessor for g it
// reports false, and the pacer's time slices (pacer.go) bound the wait
// instead.
func PreemptRequested() bool {
	g := getg()
	return g != 0 && readWord(g+abi.GStackguard0) == stackPreempt
}

// stackPreempt is abi.StackPreempt as the runtime stores it: a uintptr.
const stackPreempt = ^uintptr(-abi.StackPreempt - 1)
