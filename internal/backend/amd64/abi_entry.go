package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// EntryStub returns the code through which the runtime enters compiled
// function callee of signature sig (ctx first, as the frontend makes it):
// the runtime jumps to it with R15 = context and the value buffer's address
// in CtxArgs (one word per value, v128 as two, low first); it loads the
// parameters into their registers and stack words, calls the function (a
// relocation against callee), stores the results back into the buffer and
// returns to the runtime's return stub.
func EntryStub(sig ssa.Signature, callee uint32) ([]byte, []Reloc, error) {
	params := sig.Params
	if len(params) > 0 {
		params = params[1:]
	}
	a := &Assembler{}
	ploc, pstack := assignLocs(params, intArgRegs, floatArgRegs)
	rloc, rstack := assignLocs(sig.Results, intResultRegs, floatResRegs)
	area := 8 * (pstack + rstack) // the results above the arguments (abi_conv.go)
	area = (area + 15) &^ 15
	// RSP+8 is 16-byte aligned here; after pushing RBP, the call-depth
	// count (in FrameDepthSlot, where a host call stub reads it; the
	// callee's prologue gets it in R11) and
	// RBX it is aligned again for the call.
	a.Emit(I(PUSH, S64, R(RBP)))
	a.Emit(I(MOV, S64, R(RBP), R(RSP)))
	a.Emit(I(PUSH, S64, M(Mem{Base: ctxReg, Disp: abi.CtxCallCount})))
	a.Emit(I(PUSH, S64, R(RBX)))
	a.Emit(I(SUB, S64, R(RSP), Imm(int64(area))))
	a.Emit(I(MOV, S64, R(RBX), M(Mem{Base: ctxReg, Disp: abi.CtxArgs})))
	word := func(i int) Operand { return M(Mem{Base: RBX, Disp: int32(8 * i)}) }
	buf := valueWords(params)
	for k, t := range params {
		if ploc[k].reg == NoReg {
			for w := range wordsOf(t) {
				a.Emit(I(MOV, S64, R(R11), word(buf[k]+w)))
				a.Emit(I(MOV, S64, M(Mem{Base: RSP, Disp: int32(8 * (ploc[k].slot + w))}), R(R11)))
			}
			continue
		}
		a.Emit(loadInst(t, ploc[k].reg, word(buf[k])))
	}
	a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RBP, Disp: FrameDepthSlot}))) // the count, for the callee's prologue
	a.Emit(I(CALL, 0, Func(callee)))
	if pstack > 0 {
		a.Emit(I(SUB, S64, R(RSP), Imm(int64(8*pstack)))) // the callee popped its arguments
	}
	rbuf := valueWords(sig.Results)
	for k, t := range sig.Results {
		if rloc[k].reg == NoReg {
			for w := range wordsOf(t) {
				a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RSP, Disp: int32(8 * (pstack + rloc[k].slot + w))})))
				a.Emit(I(MOV, S64, word(rbuf[k]+w), R(R11)))
			}
			continue
		}
		a.Emit(storeInst(t, word(rbuf[k]), rloc[k].reg))
	}
	a.Emit(I(MOV, S64, R(RBX), M(Mem{Base: RBP, Disp: -16})))
	a.Emit(I(MOV, S64, R(RSP), R(RBP)))
	a.Emit(I(POP, S64, R(RBP)))
	a.Emit(I(RET, 0))
	return a.Finish()
}

// valueWords is the buffer word where each value starts.
func valueWords(ts []ssa.Type) []int {
	w := make([]int, len(ts))
	n := 0
	for k, t := range ts {
		w[k] = n
		n += wordsOf(t)
	}
	return w
}

// numWords is the number of buffer words of values of types ts.
func numWords(ts []ssa.Type) int {
	n := 0
	for _, t := range ts {
		n += wordsOf(t)
	}
	return n
}
