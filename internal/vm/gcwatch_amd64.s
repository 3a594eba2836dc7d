#include "textflag.h"

// func writeBarrierOn() bool
//
// Invariant: runtime·writeBarrier begins with its enabled flag, a byte,
// which the compiler's write barrier checks read as this does (cmd/compile
// emits "CMPL runtime.writeBarrier(SB), $0" before every pointer store that
// may need the barrier). TestWriteBarrierFlag checks that it is set while a
// collection marks and clear otherwise.
TEXT ·writeBarrierOn(SB), NOSPLIT|NOFRAME, $0-1
	MOVBLZX	runtime·writeBarrier(SB), AX
	MOVB	AX, ret+0(FP)
	RET
