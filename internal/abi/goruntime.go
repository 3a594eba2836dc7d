package abi

// What generated code assumes about the Go runtime, in one place. A poll
// (see CtxPollCounter) exits not only when the poll counter runs out but
// also when the Go runtime has asked the running goroutine to stop: the
// runtime does that by storing StackPreempt into the goroutine's
// g.stackguard0, the word every Go function prologue compares the stack
// pointer with, and it asks before every stop-the-world (garbage
// collection phases, stack scans) and whenever sysmon finds a goroutine
// that has run for 10 ms. Generated code never reaches a Go prologue, so it
// reads the word itself:
//
//	mov r11, [r15+CtxG]
//	cmp qword [r11+GStackguard0], StackPreempt
//	je  exit_poll
//
// Both values are part of the Go toolchain's own contract (the compiler
// emits "cmp rsp, [r14+16]" in every prologue; runtime/stack.go defines
// stackPreempt as uintptrMask & -1314, runtime/runtime2.go puts
// stackguard0 after the two words of g.stack). internal/vm's
// TestGoRuntimeAssumptions checks them against the running runtime, so a Go
// release that changes them fails loudly. Were they ever wrong, polls would
// still be safe (the load stays inside g) and only slower to notice the
// runtime's requests: the poll counter and the runtime's own 10 ms
// preemption remain.
const (
	// GStackguard0 is the offset of stackguard0 in the runtime's g.
	GStackguard0 = 16
	// StackPreempt is the value of stackguard0 that asks the goroutine to
	// stop (runtime.stackPreempt on 64-bit platforms, 0xfffffffffffffade),
	// written so that it fits a sign-extended 32-bit immediate.
	StackPreempt = -1314
)
