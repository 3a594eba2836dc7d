package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Calls: direct (a relocation the linker patches), indirect (through a
// register), and runtime builtins, which become exits.

func lowerCall(l *lowerer, in *ssa.Inst) {
	if in.Op == ssa.OpCall || in.Op == ssa.OpTryCall {
		if b, ok := abi.BuiltinOf(uint32(in.Callee)); ok {
			lowerBuiltin(l, in, b)
			return
		}
	}
	if !in.Op.IsIndirectCall() && uint32(in.Callee) >= abi.BuiltinCallee {
		l.fail("call of unknown builtin %d", uint32(in.Callee))
		return
	}
	l.makesCalls = true
	args := in.Args
	target := ssa.NoValue
	if in.Op.IsIndirectCall() {
		target, args = args[0], args[1:]
	}
	if len(args) == 0 {
		l.fail("call without a context argument")
		return
	}
	ctxArg, args := args[0], args[1:]
	locs, stackArgs := l.valueLocs(&l.argLocs, args, intArgRegs, floatArgRegs)
	rlocs, stackResults := l.valueLocs(&l.resultLocs, in.Results, intResultRegs, floatResRegs)
	// The stack results lie above the stack arguments, which the callee
	// pops (abi_conv.go).
	l.outgoingWords = max(l.outgoingWords, stackArgs+stackResults)

	for k, a := range args {
		if locs[k].reg == NoReg {
			vi := l.newInst()
			m := M(Mem{Base: RSP, Disp: int32(8 * locs[k].slot)})
			vi.emit(storeInst(l.f.ValueType(a), m, vi.use(l.reg(a))))
		}
	}
	// A callee with another context gets it in R15; the caller's comes
	// back from a register the allocator keeps across the call.
	var saved backend.VReg
	switchCtx := ctxArg != l.ctx
	if switchCtx {
		saved = l.temp(backend.ClassInt)
		vi := l.newInst()
		vi.emit(I(MOV, S64, R(vi.def(saved)), R(ctxReg)))
	}
	call := l.newInst()
	for k, a := range args {
		if locs[k].reg != NoReg {
			call.useFixed(l.plainReg(a), locs[k].reg)
		}
	}
	if switchCtx {
		call.emit(I(MOV, S64, R(ctxReg), R(call.use(l.reg(ctxArg)))))
	}
	call.emit(I(opCountArg, 0))
	if target != ssa.NoValue {
		call.emit(I(CALL, 0, R(call.use(l.reg(target)))))
	} else {
		call.emit(I(CALL, 0, Func(uint32(in.Callee))))
	}
	l.markCall(call)
	if stackArgs > 0 {
		// The callee popped its stack arguments: restore the frame.
		call.emit(I(SUB, S64, R(RSP), Imm(int64(8*stackArgs))))
	}
	clobbers := callClobbers
	if in.Op == ssa.OpTryCall || in.Op == ssa.OpTryCallIndirect {
		// The runtime may resume here with an exception caught, after
		// frames that did not restore what they saved: nothing survives
		// in a register (exceptions.go).
		clobbers = allClobbers
		l.markLanding(call, in)
	}
	for k, r := range in.Results {
		if rlocs[k].reg != NoReg {
			call.defFixed(l.vreg(r), rlocs[k].reg, false)
			clobbers = clobbers.Without(pregOf(rlocs[k].reg))
		}
	}
	call.clobbers = clobbers
	if switchCtx {
		vi := l.newInst()
		vi.emit(I(MOV, S64, R(ctxReg), R(vi.use(saved))))
	}
	for k, r := range in.Results {
		if rlocs[k].reg == NoReg {
			vi := l.newInst()
			d := vi.def(l.vreg(r))
			vi.emit(loadInst(l.f.ValueType(r), d, M(Mem{Base: RSP, Disp: int32(8 * (stackArgs + rlocs[k].slot))})))
		}
	}
}

// exitArg is where exit argument word k lives in the context.
func exitArg(k int) Operand {
	return M(Mem{Base: ctxReg, Disp: int32(abi.CtxExitArgs + 8*k)})
}

// lowerBuiltin turns a call of a runtime builtin into an exit: arguments
// into the exit record (abi/builtins.go says which word), the exit code and
// index, "call [r15+CtxExitStub]", and results back from the record. The
// exit overwrites every register but R15, RSP and RBP, so the sequence keeps
// the callee-saved ones itself and looks like an ordinary call.
func lowerBuiltin(l *lowerer, in *ssa.Inst, b abi.Builtin) {
	args := in.Args[1:]
	switch b {
	case abi.BuiltinMemoryCopy:
		lowerMemoryCopy(l, in)
		return
	case abi.BuiltinMemoryFill:
		lowerMemoryFill(l, in)
		return
	case abi.BuiltinPollTick:
		lowerPollTick(l)
		return
	case abi.BuiltinThrow:
		lowerThrow(l, in)
		return
	case abi.BuiltinPollEpoch:
		lowerPollEpoch(l)
		return
	case abi.BuiltinPollPreempt:
		lowerPollPreempt(l)
		return
	}
	vi := l.newInst()
	if b == abi.BuiltinPoll {
		// The poll is frequent code on a rare path: one call to the
		// function's poll stub, which keeps every register itself, so the
		// allocator sees an instruction with no effect on registers.
		vi.emit(l.pollCall())
		l.markCall(vi)
		return
	}
	vi.clobbers = exitClobbers
	code := abi.ExitBuiltin
	index := Imm(int64(b))
	words := args
	switch b {
	case abi.BuiltinPoll:
		code, index = abi.ExitPoll, Imm(0)
	case abi.BuiltinMemoryGrow:
		code, index = abi.ExitMemoryGrow, Imm(0)
	case abi.BuiltinMemoryGrowAt:
		c, ok := l.immOf(args[0], ssa.I32)
		if len(args) != 2 || !ok {
			l.fail("memory.grow builtin without a constant memory index")
			return
		}
		code, index, words = abi.ExitMemoryGrow, Imm(c), args[1:]
	case abi.BuiltinTableGrow:
		if len(args) != 3 {
			l.fail("table.grow builtin with %d arguments", len(args))
			return
		}
		code = abi.ExitTableGrow
		if c, ok := l.immOf(args[0], ssa.I32); ok {
			index = Imm(c)
		} else {
			index = R(vi.use(l.reg(args[0])))
		}
		words = []ssa.Value{args[2], args[1]}
	}
	if len(words) > abi.ExitArgWords {
		l.fail("builtin %v with %d arguments", b, len(words))
		return
	}
	for k, a := range words {
		t := l.f.ValueType(a)
		if c, ok := l.immOf(a, t); ok {
			if t == ssa.I32 {
				c = int64(uint32(c))
			}
			if c == int64(int32(c)) {
				vi.emit(I(MOV, S64, exitArg(k), Imm(c)))
			} else {
				vi.emit(I(MOV, S64, R(R11), Imm(c)))
				vi.emit(I(MOV, S64, exitArg(k), R(R11)))
			}
			continue
		}
		r := vi.use(l.reg(a))
		if t == ssa.I32 {
			vi.emit(I(MOV, S32, R(R11), R(r))) // zero-extends into the word
			vi.emit(I(MOV, S64, exitArg(k), R(R11)))
		} else {
			vi.emit(I(MOV, S64, exitArg(k), R(r)))
		}
	}
	vi.emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(code))))
	vi.emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), index))
	emitExitCall(l, vi)
	l.landAtExit(in)
	for k, r := range in.Results {
		d := vi.def(l.vreg(r))
		vi.emit(loadInst(l.f.ValueType(r), d, exitArg(k)))
	}
}

// emitExitCall calls the exit stub, preserving the callee-saved registers
// (the frame stays 16-byte aligned).
func emitExitCall(l *lowerer, vi *vinst) {
	vi.emit(I(SUB, S64, R(RSP), Imm(int64(8*len(calleeSaved)))))
	for k, r := range calleeSaved {
		vi.emit(I(MOV, S64, M(Mem{Base: RSP, Disp: int32(8 * k)}), R(r)))
	}
	vi.emit(I(CALL, 0, M(Mem{Base: ctxReg, Disp: abi.CtxExitStub})))
	l.markCall(vi)
	for k, r := range calleeSaved {
		vi.emit(I(MOV, S64, R(r), M(Mem{Base: RSP, Disp: int32(8 * k)})))
	}
	vi.emit(I(ADD, S64, R(RSP), Imm(int64(8*len(calleeSaved)))))
}

// pollSaved are the registers the poll stub keeps: every allocatable one.
var pollSavedGPRs = []Reg{RAX, RCX, RDX, RBX, RSI, RDI, R8, R9, R10, R12, R13, R14}

// pollFrame is the poll stub's save area: 12 GPR words and 15 XMM
// registers, sized so that with the return address the stack stays 16-byte
// aligned at the exit call.
const pollFrame = 8*12 + 16*15 + 8

// pollStub emits the out-of-line poll exit: ExitPoll into the exit record,
// then, at exitEntry (bound there when not 0), the exit that keeps every
// register: save every allocatable register, exit, restore them, return.
// Code that has written its own exit record calls exitEntry directly (the
// long bulk operations, lower_bulk.go).
func pollStub(a *Assembler, exitEntry Label) {
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitPoll))))
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(0)))
	if exitEntry != 0 {
		a.Bind(exitEntry)
	}
	a.Emit(I(SUB, S64, R(RSP), Imm(pollFrame)))
	for k, r := range pollSavedGPRs {
		a.Emit(I(MOV, S64, M(Mem{Base: RSP, Disp: int32(8 * k)}), R(r)))
	}
	for k := range 15 {
		a.Emit(I(MOVUPS, 0, M(Mem{Base: RSP, Disp: int32(8*len(pollSavedGPRs) + 16*k)}), R(XMM0+Reg(k))))
	}
	a.Emit(I(CALL, 0, M(Mem{Base: ctxReg, Disp: abi.CtxExitStub})))
	for k := range 15 {
		a.Emit(I(MOVUPS, 0, R(XMM0+Reg(k)), M(Mem{Base: RSP, Disp: int32(8*len(pollSavedGPRs) + 16*k)})))
	}
	for k, r := range pollSavedGPRs {
		a.Emit(I(MOV, S64, R(r), M(Mem{Base: RSP, Disp: int32(8 * k)})))
	}
	a.Emit(I(ADD, S64, R(RSP), Imm(pollFrame)))
	a.Emit(I(RET, 0))
}

// PollStubFrame is how far above the stack pointer of the poll stub's exit
// (vm.Exit.SP) the return address of the poll site lies (for either entry).
const PollStubFrame = pollFrame

// PollStubCallee is the relocation target (Reloc.Func) of polls compiled
// with Options.SharedPollStub: the linker places PollStub's code once and
// resolves these calls to it.
const PollStubCallee = abi.BuiltinCallee + uint32(abi.BuiltinPoll)

// SavingExitCallee is the relocation target of calls to the shared poll
// stub's second entry (PollStubExitEntry bytes in): the exit that keeps
// every register, for code that wrote its exit record itself. Its number
// lies past the builtins, so it is never taken for one.
const SavingExitCallee = abi.BuiltinCallee + uint32(abi.NumBuiltins)

// PollStub returns the code of the shared poll stub (see
// Options.SharedPollStub) and the offset of its second entry (see
// SavingExitCallee).
func PollStub() (code []byte, exitEntry int) {
	a := &Assembler{}
	pollStub(a, 0)
	code, _, _ = a.Finish()
	// The entry follows the two stores of the exit record.
	h := &Assembler{}
	h.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitPoll))))
	h.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(0)))
	head, _, _ := h.Finish()
	return code, len(head)
}
