package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// Exceptions. An exception unwinds native frames without running them:
// the runtime walks the frame pointers from the throw, looks each return
// address up in the landing table (Compiled.Landings, built here) and
// resumes the first function whose handler catches it, at the landing
// address of that call, with the stack pointer of its frame (RBP +
// LandingSP) and CtxCaught set (abi/context.go). Code after a try_call
// tests CtxCaught and branches to the catch clauses (the frontend's).
//
// The frames unwound did not restore the callee-saved registers they had
// saved, so a try_call clobbers every register: nothing the handler's
// function keeps lives in a register across it, and its prologue saves
// (and its epilogue restores) every callee-saved register its caller
// expects back.
//
// throw and throw_ref are exits (BuiltinThrow, BuiltinThrowRef). Inside a
// handler's range they are try_calls of the builtin: when the function
// catches its own exception the runtime resumes the exit where it stopped
// (so the exit's own register saving holds), with CtxCaught set.

// landingLabel is one try_call: the return address of the call (ret),
// the landing address (at: after the caller's stack fix-up) and the
// handler around it.
type landingLabel struct {
	ret, at Label
	handler uint32
}

// Landing is a try_call site in a function's code: Ret is the offset of
// the call's return address, Offset where the unwinder resumes the
// function (the same for an exit), Handler the frontend's number of the
// innermost exception handler around the call. Sorted by Ret.
type Landing struct {
	Ret, Offset int
	Handler     uint32
}

// markLanding records the landing of try_call vi (just marked by
// markCall) for in's handler.
func (l *lowerer) markLanding(vi *vinst, in *ssa.Inst) {
	ret := l.callSites[len(l.callSites)-1].label
	at := l.asm.NewLabel()
	vi.emit(I(opMark, 0, L(at)))
	l.landings = append(l.landings, landingLabel{ret: ret, at: at, handler: uint32(in.Imm)})
}

// lowerThrow: the payload goes to the outgoing area at the bottom of the
// frame, one word per value as the runtime reads it, then the exit.
func lowerThrow(l *lowerer, in *ssa.Inst) {
	if len(in.Args) < 2 {
		l.fail("throw builtin with %d arguments", len(in.Args))
		return
	}
	tag, payload := in.Args[1], in.Args[2:]
	words := numWords(valueTypes(l.f, payload))
	l.outgoingWords = max(l.outgoingWords, words)
	vi := l.newInst()
	vi.clobbers = exitClobbers
	w := 0
	for _, v := range payload {
		t := l.f.ValueType(v)
		m := M(Mem{Base: RSP, Disp: int32(8 * w)})
		r := vi.use(l.reg(v))
		switch t {
		case ssa.I32:
			vi.emit(I(MOV, S32, R(R11), R(r))) // zero-extends
			vi.emit(I(MOV, S64, m, R(R11)))
		case ssa.F32:
			vi.emit(I(MOV, S64, m, Imm(0)))
			vi.emit(storeInst(t, m, r))
		default:
			vi.emit(storeInst(t, m, r))
		}
		w += wordsOf(t)
	}
	vi.emit(I(MOV, S64, exitArg(0), R(RSP)))
	if c, ok := l.immOf(tag, ssa.I32); ok {
		vi.emit(I(MOV, S64, exitArg(1), Imm(int64(uint32(c)))))
	} else {
		vi.emit(I(MOV, S32, R(R11), R(vi.use(l.reg(tag)))))
		vi.emit(I(MOV, S64, exitArg(1), R(R11)))
	}
	vi.emit(I(MOV, S64, exitArg(2), Imm(int64(words))))
	vi.emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitBuiltin))))
	vi.emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(abi.BuiltinThrow))))
	emitExitCall(l, vi)
	l.landAtExit(in)
}

// landAtExit records the exit just emitted (a try_call of a builtin) as
// a landing that resumes where the exit stopped.
func (l *lowerer) landAtExit(in *ssa.Inst) {
	if in.Op != ssa.OpTryCall {
		return
	}
	ret := l.callSites[len(l.callSites)-1].label
	l.landings = append(l.landings, landingLabel{ret: ret, at: ret, handler: uint32(in.Imm)})
}
