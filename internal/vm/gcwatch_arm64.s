#include "textflag.h"

// func writeBarrierOn() bool
//
// Invariant: runtime·writeBarrier begins with its enabled flag, a byte,
// which the compiler's write barrier checks read as this does.
// TestWriteBarrierFlag checks that it is set while a collection marks and
// clear otherwise.
TEXT ·writeBarrierOn(SB), NOSPLIT|NOFRAME, $0-1
	MOVBU	runtime·writeBarrier(SB), R0
	MOVB	R0, ret+0(FP)
	RET
