#include "textflag.h"

// func getg() uintptr
//
// Invariant: on amd64 the runtime keeps the running goroutine's g in
// thread-local storage whenever Go code runs; an ABI0 function reaches it
// through the TLS pseudo-register (the assembler and linker turn it into the
// platform's TLS access; ABIInternal code has it in R14 too).
TEXT ·getg(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ	(TLS), AX
	MOVQ	AX, ret+0(FP)
	RET

// func readWord(addr uintptr) uintptr
TEXT ·readWord(SB), NOSPLIT|NOFRAME, $0-16
	MOVQ	addr+0(FP), AX
	MOVQ	(AX), AX
	MOVQ	AX, ret+8(FP)
	RET
