// The epoch's ticker thread (epoch_linux_amd64.go).
//
// Invariants:
//   - spawnTicker blocks every signal on the calling thread around the
//     clone, so the new thread starts with all of them blocked (a thread
//     inherits its creator's mask): no signal is ever delivered to it,
//     and it never runs a signal handler, which would find no g and no
//     signal stack. The caller's mask is put back before it returns, and
//     nothing in between can be preempted (assembly has no safepoints).
//   - The new thread uses its stack only for the return address of
//     anchor and later (SYSCALL pushes nothing) and touches only package
//     variables that never move: epoch (which it alone writes, an aligned
//     8-byte store that readers see whole), epochNext (its own),
//     epochActive (read, and slept on as a futex), spinning, epochProcs
//     and epochFineRuns (read),
//     epochCalmAfter (read), epochCoarse (slept on as a futex),
//     epochParked, epochWake, epochNow, epochSteps, epochStepTicks and
//     epochCalm (its own; epochStepTicks an aligned 8-byte store that
//     readers see whole).
//   - It never returns and never exits: it lives as long as the process.

#include "go_asm.h"
#include "textflag.h"

#define SYS_rt_sigprocmask 14
#define SYS_clock_gettime 228
#define SYS_clock_nanosleep 230
#define CLOCK_MONOTONIC 1
#define TIMER_ABSTIME 1
#define SYS_clone 56
#define SYS_prctl 157
#define SYS_futex 202
#define SIG_SETMASK 2
#define PR_SET_TIMERSLACK 29
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAIT_BITSET_PRIVATE 137
#define ETIMEDOUT 110
// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM
#define CLONE_FLAGS 0x50f00

// func spawnTicker(stackTop uintptr) int64
TEXT ·spawnTicker(SB), NOSPLIT, $16-16
	MOVQ	$-1, all-8(SP)
	MOVL	$SIG_SETMASK, DI
	LEAQ	all-8(SP), SI
	LEAQ	old-16(SP), DX
	MOVL	$8, R10
	MOVL	$SYS_rt_sigprocmask, AX
	SYSCALL

	MOVL	$CLONE_FLAGS, DI
	MOVQ	stackTop+0(FP), SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	MOVL	$SYS_clone, AX
	SYSCALL
	TESTQ	AX, AX
	JZ	ticker
	MOVQ	AX, ret+8(FP)

	MOVL	$SIG_SETMASK, DI
	LEAQ	old-16(SP), SI
	XORL	DX, DX
	MOVL	$8, R10
	MOVL	$SYS_rt_sigprocmask, AX
	SYSCALL
	RET

ticker:
	// The new thread, on its own stack. A tight timer slack keeps the
	// ticks close to EpochTick (the default slack is 50 µs).
	MOVL	$SYS_prctl, AX
	MOVL	$PR_SET_TIMERSLACK, DI
	MOVL	$1000, SI
	XORL	DX, DX
	XORL	R10, R10
	XORL	R8, R8
	SYSCALL
	CALL	anchor<>(SB)
	XORL	R12, R12 // ticks since a run last needed the epoch
	XORL	R13, R13 // steps, for the lag check

loop:
	MOVL	·epochActive(SB), AX
	TESTL	AX, AX
	JNZ	busy
	// No run: count the ticks until the ticker sleeps (a coarse or calm
	// step counts as its ticks).
	MOVQ	$1, AX
	MOVL	·spinning(SB), BX
	TESTL	BX, BX
	JNZ	idle
	MOVQ	·epochStepTicks(SB), AX
idle:
	ADDQ	AX, R12
	CMPQ	R12, $const_epochIdleTicks
	JB	tick
	// Sleep until a run wakes us (epochEnter): announce it first, so
	// that a run starting now either sees epochParked set and wakes the
	// futex, or has made epochActive non-zero before the futex compares
	// it with 0 and returns at once. XCHG is a full barrier.
	MOVL	$1, AX
	XCHGL	AX, ·epochParked(SB)
	LEAQ	·epochActive(SB), DI
	MOVL	$FUTEX_WAIT_PRIVATE, SI
	XORL	DX, DX
	XORL	R10, R10
	MOVL	$SYS_futex, AX
	SYSCALL
	XORL	AX, AX
	XCHGL	AX, ·epochParked(SB)
	CALL	anchor<>(SB) // a new schedule: no burst of ticks for the sleep
	XORL	R12, R12
	JMP	loop

busy:
	XORL	R12, R12
tick:
	// While no run spins (none has come back to Go at a poll: every run
	// is young), or the spinning runs leave a P free and none needs every
	// tick (epochProcs, epochFineRuns), a step of epochCoarseTicks, which
	// a run that starts to spin and changes that cuts short
	// (epochSpinning). Announce the coarse step first, so that such a run
	// either is seen here or sees epochCoarse set and wakes the futex (or
	// changes it before the futex compares it with 1). XCHG is a full
	// barrier.
	MOVL	$1, AX
	XCHGL	AX, ·epochCoarse(SB)
	MOVL	·spinning(SB), AX
	TESTL	AX, AX
	JZ	calm
	MOVQ	$0, ·epochCalm(SB) // a run spins: no calm stretch
	MOVQ	$const_epochCoarseTicks, ·epochStepTicks(SB)
	CMPL	AX, ·epochProcs(SB)
	JGE	fine
	MOVL	·epochFineRuns(SB), AX
	TESTL	AX, AX
	JNZ	fine
	JMP	coarse
calm:
	// No run spins: a coarse step, or a calm one once epochCalmAfter
	// steps have passed since a run last spun (epochStepTicks, which
	// firstSliceTicks reads, is set before the step begins).
	MOVQ	$const_epochCoarseTicks, BX
	MOVQ	·epochCalm(SB), AX
	CMPQ	AX, ·epochCalmAfter(SB)
	JB	stepset
	MOVQ	$const_epochCalmTicks, BX
stepset:
	MOVQ	BX, ·epochStepTicks(SB)
	INCQ	·epochCalm(SB)
coarse:
	// Wait until the step's last tick is due (epochWake: epochNext, the
	// next tick's time, and the step's other epochStepTicks-1 ticks).
	MOVQ	·epochNext(SB), AX
	MOVQ	AX, ·epochWake(SB)
	MOVQ	·epochNext+8(SB), AX
	MOVQ	AX, ·epochWake+8(SB)
	LEAQ	·epochWake(SB), SI
	MOVQ	·epochStepTicks(SB), AX
	DECQ	AX
	IMULQ	$const_epochTickNanos, AX
	CALL	later<>(SB)
	LEAQ	·epochCoarse(SB), DI
	MOVL	$FUTEX_WAIT_BITSET_PRIVATE, SI
	MOVL	$1, DX
	LEAQ	·epochWake(SB), R10
	XORL	R8, R8
	MOVL	$-1, R9
	MOVL	$SYS_futex, AX
	SYSCALL
	MOVQ	AX, BX
	XORL	AX, AX
	XCHGL	AX, ·epochCoarse(SB)
	CMPQ	BX, $-ETIMEDOUT
	JEQ	stepdone
	// Cut short (a run spins now) or spurious: the schedule stands, and a
	// calm stretch ends.
	MOVQ	$0, ·epochCalm(SB)
	JMP	loop
stepdone:
	MOVQ	·epochWake(SB), AX
	MOVQ	AX, ·epochNext(SB)
	MOVQ	·epochWake+8(SB), AX
	MOVQ	AX, ·epochNext+8(SB)
	MOVQ	·epochStepTicks(SB), AX
	ADDQ	AX, ·epoch(SB)
	JMP	stepped

fine:
	XORL	AX, AX
	XCHGL	AX, ·epochCoarse(SB)
	// Sleep until epochNext, then advance the epoch and the schedule by a
	// tick (a time already past returns at once: the ticks a late wake
	// missed follow back to back).
	MOVL	$CLOCK_MONOTONIC, DI
	MOVL	$TIMER_ABSTIME, SI
	LEAQ	·epochNext(SB), DX
	XORL	R10, R10
	MOVL	$SYS_clock_nanosleep, AX
	SYSCALL
	INCQ	·epoch(SB)

stepped:
	INCQ	·epochSteps(SB)
	LEAQ	·epochNext(SB), SI
	MOVQ	$const_epochTickNanos, AX
	CALL	later<>(SB)
	// Every 64 steps, a schedule more than a second behind the clock (the
	// process was stopped, or the thread kept off every CPU that long)
	// starts again from now instead of making up each tick back to back,
	// which in the real-time class would hold a CPU for as long as that
	// takes (a stop of an hour: tens of millions of ticks).
	INCQ	R13
	TESTQ	$63, R13
	JNZ	loop
	MOVL	$CLOCK_MONOTONIC, DI
	LEAQ	·epochNow(SB), SI
	MOVL	$SYS_clock_gettime, AX
	SYSCALL
	MOVQ	·epochNow(SB), AX
	SUBQ	·epochNext(SB), AX
	CMPQ	AX, $1
	JLE	loop
	CALL	anchor<>(SB)
	JMP	loop

// later moves the timespec at SI AX nanoseconds on (0 <= AX < 1s).
// Called only by the ticker thread.
TEXT later<>(SB), NOSPLIT|NOFRAME, $0-0
	ADDQ	8(SI), AX
	CMPQ	AX, $1000000000
	JB	same
	SUBQ	$1000000000, AX
	INCQ	0(SI)
same:
	MOVQ	AX, 8(SI)
	RET

// anchor starts the ticker's schedule: epochNext = now. Called only by
// the ticker thread, whose stack holds the return address.
TEXT anchor<>(SB), NOSPLIT|NOFRAME, $0-0
	MOVL	$CLOCK_MONOTONIC, DI
	LEAQ	·epochNext(SB), SI
	MOVL	$SYS_clock_gettime, AX
	SYSCALL
	RET
