package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// HostCallStub returns the code of the host call stub for calls through a
// descriptor whose context is not the caller's (abi.FuncDescHostCall). sig
// is the stub's own signature: the caller's context, the callee's
// parameters, then the descriptor's address (i64); results are the
// callee's. The stub copies the parameters into a value buffer in its
// frame (one word each, zero-extended; a v128 as two, low half first), leaves through ExitHostCall with
// index HostCallByDescriptor (Args = buffer, length in words, descriptor),
// and returns the results the runtime wrote back into the buffer. It keeps
// the callee-saved registers itself, so to its caller it is an ordinary
// call. The code has no relocations.
func HostCallStub(sig ssa.Signature) ([]byte, error) {
	if len(sig.Params) < 2 {
		return nil, &EncodeError{Reason: "host call stub needs a context and a descriptor parameter"}
	}
	params := sig.Params[1:]
	wasmParams := params[:len(params)-1]
	ploc, pstack := assignLocs(params, intArgRegs, floatArgRegs)
	rloc, _ := assignLocs(sig.Results, intResultRegs, floatResRegs)
	pbuf, rbuf := valueWords(wasmParams), valueWords(sig.Results)
	nwords := max(numWords(wasmParams), numWords(sig.Results), 1)
	saveAt := 8 * nwords
	frame := (saveAt + 8*len(calleeSaved) + 15) &^ 15

	a := &Assembler{}
	// The runtime counts the wasm frames below the host call from the
	// caller's call-depth count (see prologue).
	a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RBP, Disp: FrameDepthSlot})))
	a.Emit(I(MOV, S64, M(Mem{Base: ctxReg, Disp: abi.CtxCallCount}), R(R11)))
	// RSP+8 is 16-byte aligned at entry, so RSP is after the push; the
	// frame is a multiple of 16, which keeps it aligned at the exit call.
	a.Emit(I(PUSH, S64, R(RBP)))
	a.Emit(I(MOV, S64, R(RBP), R(RSP)))
	a.Emit(I(SUB, S64, R(RSP), Imm(int64(frame))))
	word := func(k int) Operand { return M(Mem{Base: RSP, Disp: int32(8 * k)}) }
	incoming := func(slot int) Operand { return M(Mem{Base: RBP, Disp: int32(16 + 8*slot)}) }
	for k, t := range params {
		var dst Operand
		if k == len(params)-1 {
			dst = exitArg(2)
		} else {
			dst = word(pbuf[k])
		}
		if ploc[k].reg == NoReg {
			for w := range wordsOf(t) {
				a.Emit(I(MOV, S64, R(R11), incoming(ploc[k].slot+w)))
				d := dst
				d.Mem.Disp += int32(8 * w)
				a.Emit(I(MOV, S64, d, R(R11)))
			}
			continue
		}
		switch t {
		case ssa.I32:
			a.Emit(I(MOV, S32, R(R11), R(ploc[k].reg))) // zero-extends
			a.Emit(I(MOV, S64, dst, R(R11)))
		case ssa.F32:
			a.Emit(I(MOV, S64, dst, Imm(0)))
			a.Emit(storeInst(t, dst, ploc[k].reg))
		default:
			a.Emit(storeInst(t, dst, ploc[k].reg))
		}
	}
	for k, r := range calleeSaved {
		a.Emit(I(MOV, S64, word(nwords+k), R(r)))
	}
	a.Emit(I(MOV, S64, exitArg(0), R(RSP)))
	a.Emit(I(MOV, S64, exitArg(1), Imm(int64(nwords))))
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitHostCall))))
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(int32(-1)))))
	a.Emit(I(CALL, 0, M(Mem{Base: ctxReg, Disp: abi.CtxExitStub})))
	for k, r := range calleeSaved {
		a.Emit(I(MOV, S64, R(r), word(nwords+k)))
	}
	for k, t := range sig.Results {
		if rloc[k].reg == NoReg {
			for w := range wordsOf(t) {
				a.Emit(I(MOV, S64, R(R11), word(rbuf[k]+w)))
				a.Emit(I(MOV, S64, incoming(pstack+rloc[k].slot+w), R(R11)))
			}
			continue
		}
		a.Emit(loadInst(t, rloc[k].reg, word(rbuf[k])))
	}
	a.Emit(I(MOV, S64, R(RSP), R(RBP)))
	a.Emit(I(POP, S64, R(RBP)))
	if pstack > 0 {
		a.Emit(I(RET, 0, Imm(int64(8*pstack)))) // callee pops (abi_conv.go)
	} else {
		a.Emit(I(RET, 0))
	}
	code, _, err := a.Finish()
	return code, err
}
