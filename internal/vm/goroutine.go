package vm

import "github.com/moat-run/moat/internal/abi"

// The running goroutine's preemption word. Compiled code polls the Go
// runtime's request to stop (abi/goruntime.go has the layout it assumes and
// why); Go code that runs a long operation in assembly the runtime cannot
// preempt (memmove and memclr behind the bulk operations) asks the same
// question between chunks, through PreemptRequested.

// PreemptRequested reports whether the Go runtime has asked the calling
// goroutine to stop at its next safepoint (a garbage collection's
// stop-the-world, a stack scan, or the scheduler's 10 ms time slice). It
// costs a call and two loads. Where this build has no accessor for g
// (platforms other than amd64) it reports false, and the pacer's time
// slices (pacer.go) bound the wait instead.
func PreemptRequested() bool {
	g := getg()
	return g != 0 && readWord(g+abi.GStackguard0) == stackPreempt
}

// stackPreempt is abi.StackPreempt as the runtime stores it: a uintptr.
const stackPreempt = ^uintptr(-abi.StackPreempt - 1)
