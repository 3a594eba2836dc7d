#include "textflag.h"

// func currentGoroutine() uintptr
//
// On arm64 the running goroutine's g lives in a reserved register, which Go
// assembly names g (R28).
TEXT ·currentGoroutine(SB), NOSPLIT, $0-8
	MOVD g, R0
	MOVD R0, ret+0(FP)
	RET
