package amd64

import (
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Tail calls: return_call and return_call_indirect. The callee takes the
// caller's place: it returns straight to the caller's caller, and the
// native stack does not grow however long a chain of tail calls runs.
//
// The arguments are placed as for a call (registers, and stack words in
// the outgoing area at the bottom of the frame), then the vTailCall
// terminator, completed at emission (emitter.tailCall), restores the
// callee-saved registers and moves the stack words to where the callee
// expects them: right below the stack results of this function's caller
// (the callee's results are this function's, so its caller finds them
// where it expects), with the return address just below. When the callee
// takes more stack words than this function was given, the area grows
// down over this function's dead frame; the callee pops what it was
// given (abi_conv.go), so the caller's stack pointer comes back exactly.
//
// The call-depth count stays: the callee's prologue counts from the count
// in R11, which the jump takes from this function's caller's frame
// (FrameDepthSlot below the RBP restored for the jump).

func lowerTailCall(l *lowerer, in *ssa.Inst) {
	args := in.Args
	target := ssa.NoValue
	if in.Op == ssa.OpReturnCallIndirect {
		target, args = args[0], args[1:]
	}
	if len(args) == 0 || args[0] != l.ctx {
		// Code runs with one context (abi.ExitHostCall): a callee with
		// another is called through its host call stub.
		l.fail("tail call without the function's own context")
		return
	}
	args = args[1:]
	locs, stackArgs := l.valueLocs(&l.argLocs, args, intArgRegs, floatArgRegs)
	l.outgoingWords = max(l.outgoingWords, stackArgs)
	for k, a := range args {
		if locs[k].reg == NoReg {
			vi := l.newInst()
			m := M(Mem{Base: RSP, Disp: int32(8 * locs[k].slot)})
			vi.emit(storeInst(l.f.ValueType(a), m, vi.use(l.reg(a))))
		}
	}
	vi := l.newTerm(vTailCall)
	vi.ntargets = stackArgs
	for k, a := range args {
		if locs[k].reg != NoReg {
			vi.useFixed(l.plainReg(a), locs[k].reg)
		}
	}
	if target != ssa.NoValue {
		// RAX carries no argument and is not restored by the epilogue.
		vi.emit(I(JMP, 0, R(vi.useFixed(l.plainReg(target), RAX))))
	} else {
		vi.emit(I(JMP, 0, Func(uint32(in.Callee))))
	}
	l.cur = append(l.cur, vi)
}

// tailCall emits a vTailCall: the epilogue, the stack arguments moved
// into place, and the jump. Only the scratch registers R11 and XMM15 are
// free here (every argument register may hold an argument).
func (e *emitter) tailCall(in *vinst, locs []backend.Loc) {
	a, fr := e.a, e.frame
	for k, p := range fr.CalleeSaved {
		a.Emit(I(MOV, S64, R(regOf(p)), M(Mem{Base: RSP, Disp: int32(fr.CalleeSavedOffsets[k])})))
	}
	n, own := in.ntargets, e.l.stackParams
	if n == 0 && own == 0 {
		a.Emit(I(MOV, S64, R(RSP), R(RBP)))
		a.Emit(I(POP, S64, R(RBP)))
	} else {
		// The caller's RBP and the return address, before the arguments
		// may overwrite them.
		a.Emit(I(MOVUPS, 0, R(XMM15), M(Mem{Base: RBP})))
		base := int32(16 + 8*(own-n)) // the callee's first stack word, from RBP
		for k := n - 1; k >= 0; k-- {
			// Downwards: the destination lies above the source.
			a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RSP, Disp: int32(8 * k)})))
			a.Emit(I(MOV, S64, M(Mem{Base: RBP, Disp: base + int32(8*k)}), R(R11)))
		}
		a.Emit(I(LEA, S64, R(RSP), M(Mem{Base: RBP, Disp: base - 8})))
		a.Emit(I(MOVHPS, 0, M(Mem{Base: RSP}), R(XMM15)))
		a.Emit(I(MOVQ, 0, R(RBP), R(XMM15)))
	}
	// The callee counts from this function's caller, whose frame RBP is
	// again (see prologue).
	a.Emit(I(MOV, S64, R(R11), M(Mem{Base: RBP, Disp: FrameDepthSlot})))
	e.code(in, locs)
}
