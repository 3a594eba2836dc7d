#include "textflag.h"

// func getg() uintptr
//
// Invariant: on arm64 the running goroutine's g lives in a reserved
// register, which Go assembly names g (R28).
TEXT ·getg(SB), NOSPLIT|NOFRAME, $0-8
	MOVD	g, R0
	MOVD	R0, ret+0(FP)
	RET

// func readWord(addr uintptr) uintptr
TEXT ·readWord(SB), NOSPLIT|NOFRAME, $0-16
	MOVD	addr+0(FP), R0
	MOVD	(R0), R0
	MOVD	R0, ret+8(FP)
	RET
