// The signal handler. See doc.go for what it does and why it is assembly.
//
// Invariants:
//   - sigHandler is entered by the kernel with the C calling convention:
//     DI = signal number, SI = *siginfo_t, DX = *ucontext_t, SP on the
//     thread's signal stack with the restorer's address at 0(SP). It keeps
//     DI, SI, DX and SP intact until it either returns (to the restorer,
//     which makes rt_sigreturn resume the possibly rewritten ucontext) or
//     jumps to the previous handler, which then sees exactly what the
//     kernel gave: the forwarding is transparent.
//   - Every register it touches besides those is one rt_sigreturn restores
//     from the ucontext anyway; it pushes nothing but the return address
//     of its call to classify.
//   - It reads only the siginfo, the ucontext, and package variables that
//     are never freed (tables, prevActions, faultExit), each word of which
//     is written atomically; it writes only the ucontext, and for a
//     SIGURG at a PC in registered code the interrupted code's context
//     (below).
//   - It never faults itself: every address it reads is one of those.
//   - Its only system calls are on the path where the previous disposition
//     was SIG_DFL or SIG_IGN: rt_sigaction, and for a sent signal getpid,
//     gettid and tgkill, all async-signal-safe.

#include "go_asm.h"
#include "textflag.h"

#define SYS_rt_sigaction 13
#define SYS_rt_sigreturn 15
#define SYS_getpid 39
#define SYS_gettid 186
#define SYS_tgkill 234

// func sigHandler()
TEXT ·sigHandler(SB), NOSPLIT|NOFRAME, $0
	// Only kernel-detected faults (si_code > 0) are candidates: a signal
	// sent by kill or tgkill (si_code <= 0) has no faulting address.
	MOVL	const_siCode(SI), AX
	CMPL	AX, $0
	JLE	sent
	MOVQ	const_ucRIP(DX), R8
	MOVQ	const_siAddr(SI), R9
	CALL	classify<>(SB)
	TESTL	AX, AX
	JZ	forward
	MOVQ	·faultExit(SB), R10
	TESTQ	R10, R10
	JZ	forward
	// Continue at the fault exit with the verdict in registers.
	MOVQ	AX, const_ucRAX(DX)
	MOVQ	R8, const_ucRCX(DX)
	MOVQ	R9, const_ucRDX(DX)
	MOVQ	DI, const_ucRSI(DX)
	MOVQ	R10, const_ucRIP(DX)
	// Go code assumes the direction flag clear; generated code never sets
	// it, and this makes sure of it on the way out.
	ANDQ	$~const_flagDF, const_ucEFLAGS(DX)
	RET

sent:
	// The Go runtime's preemption signal (SIGURG, sent with tgkill after it
	// stored stackPreempt into the goroutine's stackguard0) at a PC in
	// generated code: zero the epoch deadline of the context the code
	// runs with, so that its next poll exits and the runtime's visit
	// yields. Generated code keeps its context in R15 at every
	// instruction (abi.ContextRegisterAMD64), and the context outlives
	// every run of the code; the word is one the runtime stores to
	// atomically, and 0 is what it stores to interrupt. Go's own handler
	// then sees a PC where it cannot preempt and returns.
	CMPL	DI, $const_sigURG
	JNE	forward
	MOVQ	const_ucRIP(DX), R8
	CALL	classify<>(SB)
	TESTL	AX, AX
	JZ	forward
	MOVQ	const_ucR15(DX), R10
	MOVQ	$0, const_ctxEpochDeadline(R10)

forward:
	MOVL	DI, AX
	SHLQ	$5, AX // 32 bytes per sigaction
	LEAQ	·prevActions(SB), R10
	ADDQ	AX, R10
	MOVQ	0(R10), R11
	CMPQ	R11, $const_sigIGN
	JLS	restore
	// The previous handler, with the kernel's registers and stack. A
	// handler without SA_SIGINFO takes only DI; the kernel passes all
	// three either way.
	JMP	R11

restore:
	// SIG_DFL or SIG_IGN before us: put it back. A fault (si_code > 0)
	// then runs its instruction again under it when this returns (and a
	// synchronous fault takes its default action); a signal someone sent
	// is sent again, to this thread, and the kernel delivers it as the old
	// disposition says once this returns (it is blocked until then).
	// SYSCALL clobbers only AX, CX and R11.
	MOVL	DI, R12
	MOVQ	SI, R13
	MOVQ	R10, SI
	XORL	DX, DX
	MOVL	$8, R10
	MOVL	$SYS_rt_sigaction, AX
	SYSCALL
	MOVL	const_siCode(R13), AX
	CMPL	AX, $0
	JGT	done
	MOVL	$SYS_getpid, AX
	SYSCALL
	MOVQ	AX, R13
	MOVL	$SYS_gettid, AX
	SYSCALL
	MOVQ	AX, SI
	MOVQ	R13, DI
	MOVL	R12, DX
	MOVL	$SYS_tgkill, AX
	SYSCALL
done:
	RET

// classify<>: DI = signal, R8 = faulting PC, R9 = si_addr. Returns the
// class in AX (classNone when the PC is not in registered code). Clobbers
// CX, R10, R11 and R12 only.
TEXT classify<>(SB), NOSPLIT|NOFRAME, $0
	// The PC must lie in registered code: first the bounds of all of it
	// (rejects every PC in Go's text at once), then each range.
	CMPQ	R8, ·codeLow(SB)
	JB	none
	CMPQ	R8, ·codeHigh(SB)
	JAE	none
	MOVQ	·codeUsed(SB), CX
	LEAQ	·codeTable(SB), R10
codeloop:
	TESTQ	CX, CX
	JZ	none
	DECQ	CX
	MOVQ	(R10)(CX*8), R11
	// Range test of entry R11 against R8 (below, the same for R9):
	// start = (w >> lenBits) << pageShift, size = (w & lenMask) << pageShift,
	// hit when pc - start < size, unsigned (a PC below start wraps).
	MOVQ	R11, AX
	SHRQ	$const_lenBits, AX
	SHLQ	$const_pageShift, AX
	MOVQ	R8, R12
	SUBQ	AX, R12
	ANDQ	$const_lenMask, R11
	SHLQ	$const_pageShift, R11
	CMPQ	R12, R11
	JAE	codeloop

	CMPL	DI, $const_sigSEGV
	JEQ	memory
	CMPL	DI, $const_sigBUS
	JEQ	memory
	CMPL	DI, $const_sigFPE
	JEQ	divide
	CMPL	DI, $const_sigILL
	JEQ	unreachable
	JMP	unexplained

memory:
	// A reservation: the two entries of the address's 4 GiB granule.
	MOVQ	R9, CX
	SHRQ	$const_granuleShift, CX
	CMPQ	CX, $const_numGranules
	JAE	stack
	SHLQ	$4, CX // 16 bytes per granule
	LEAQ	·reservationIndex(SB), R10
	ADDQ	CX, R10
	MOVQ	0(R10), R11
	MOVQ	R11, AX
	SHRQ	$const_lenBits, AX
	SHLQ	$const_pageShift, AX
	MOVQ	R9, R12
	SUBQ	AX, R12
	ANDQ	$const_lenMask, R11
	SHLQ	$const_pageShift, R11
	CMPQ	R12, R11
	JB	outofbounds
	MOVQ	8(R10), R11
	MOVQ	R11, AX
	SHRQ	$const_lenBits, AX
	SHLQ	$const_pageShift, AX
	MOVQ	R9, R12
	SUBQ	AX, R12
	ANDQ	$const_lenMask, R11
	SHLQ	$const_pageShift, R11
	CMPQ	R12, R11
	JB	outofbounds

stack:
	MOVQ	·stackUsed(SB), CX
	LEAQ	·stackTable(SB), R10
stackloop:
	TESTQ	CX, CX
	JZ	unexplained
	DECQ	CX
	MOVQ	(R10)(CX*8), R11
	MOVQ	R11, AX
	SHRQ	$const_lenBits, AX
	SHLQ	$const_pageShift, AX
	MOVQ	R9, R12
	SUBQ	AX, R12
	ANDQ	$const_lenMask, R11
	SHLQ	$const_pageShift, R11
	CMPQ	R12, R11
	JAE	stackloop
	MOVL	$const_classStack, AX
	RET

outofbounds:
	MOVL	$const_classOutOfBounds, AX
	RET
divide:
	MOVL	$const_classDivideByZero, AX
	RET
unreachable:
	MOVL	$const_classUnreachable, AX
	RET
unexplained:
	MOVL	$const_classUnexplained, AX
	RET
none:
	XORL	AX, AX
	RET

// func sigReturn()
// The restorer for a handler installed where none had one: the kernel
// returns here from the handler, and rt_sigreturn resumes the ucontext.
// The same two instructions as every libc's (debuggers recognise them).
TEXT ·sigReturn(SB), NOSPLIT|NOFRAME, $0
	MOVQ	$SYS_rt_sigreturn, AX
	SYSCALL
	INT	$3 // not reached

// func handlerAddr() uintptr
TEXT ·handlerAddr(SB), NOSPLIT, $0-8
	LEAQ	·sigHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func restorerAddr() uintptr
TEXT ·restorerAddr(SB), NOSPLIT, $0-8
	LEAQ	·sigReturn(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func classifyFault(sig uint32, pc, addr uintptr) uint32
TEXT ·classifyFault(SB), NOSPLIT, $0-28
	MOVL	sig+0(FP), DI
	MOVQ	pc+8(FP), R8
	MOVQ	addr+16(FP), R9
	CALL	classify<>(SB)
	MOVL	AX, ret+24(FP)
	RET
