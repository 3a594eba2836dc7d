#include "textflag.h"

// func currentGoroutine() uintptr
//
// On amd64 the runtime keeps the running goroutine's g in thread-local
// storage, which an ABI0 function reaches through the TLS pseudo-register
// (the assembler and linker turn it into the platform's TLS access).
TEXT ·currentGoroutine(SB), NOSPLIT, $0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
