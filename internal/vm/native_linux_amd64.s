// The Go half of the entry trampoline. The rest (switching stacks, the exit
// and return stubs) is machine code in a runtime-owned page, built by
// native_stubs_linux_amd64.go: see there for why.
//
// Invariants:
//   - enterNative is a NOSPLIT|NOFRAME ABI0 function: it never grows the Go
//     stack, has no frame and calls nothing in Go. While its PC runs, RSP is
//     still on the goroutine's stack, so a signal (profiling, preemption)
//     sees an ordinary assembly frame; the runtime never asynchronously
//     preempts assembly or non-Go code.
//   - The only Go stack state kept across the native run is the SP and BP
//     saved in the context; they are used once, by the exit that ends this
//     entry, and refreshed by every entry, so the Go stack may move between
//     entries (not during one: the goroutine is not at a safepoint).
//   - Go's ABI0 has no callee-saved registers besides SP and BP, and an
//     ABIInternal caller reloads R14 (g) and zeroes X15 after an ABI0 call,
//     so generated code may clobber every other register.

#include "go_asm.h"
#include "textflag.h"

// func enterNative(c *Context, tail uintptr)
// Saves Go's SP and BP and the running goroutine's g in c, sets R15 = c and
// jumps to the enter tail. The exit and return stubs come back here in
// effect: they restore SP and BP and execute RET, returning from
// enterNative to its caller.
//
// g comes from thread-local storage, where the runtime keeps the running
// goroutine's g for ABI0 code (what get_tls/g(CX) expand to in the
// runtime's own assembly). Storing it at every entry keeps c.G the running
// goroutine's even when a store moves between goroutines; within one entry
// it cannot change (no Go safepoint is reached until the exit).
TEXT ·enterNative(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ	c+0(FP), R15
	MOVQ	tail+8(FP), AX
	MOVQ	SP, Context_GoSP(R15)
	MOVQ	BP, Context_GoBP(R15)
	MOVQ	(TLS), CX
	MOVQ	CX, Context_G(R15)
	JMP	AX
