package amd64

import "github.com/moat-run/moat/internal/abi"

// The poll tick (abi.BuiltinPollTick) at function entries and loop
// headers: the counter's read-modify-write, then a look at the running
// goroutine's preemption word (abi/goruntime.go), with branches that are
// never taken until the counter runs out, the context is poked, or the Go
// runtime asks the goroutine to stop (a stop-the-world, or the
// scheduler's time slice):
//
//	sub qword [r15+CtxPollCounter], 1
//	js .Lcold
//	mov r11, [r15+CtxG]
//	cmp qword [r11+GStackguard0], StackPreempt
//	je .Lcold
//	.Lresume:
//
// with the call into the poll stub out of line, after the function's
// blocks (".Lcold: call poll_stub; jmp .Lresume"). The stub keeps every
// register, so the allocator sees an instruction with no register effect;
// R11 is the back end's scratch register, never allocated.

func lowerPollTick(l *lowerer) {
	vi, cold := l.beginPoll()
	vi.emit(I(SUB, S64, M(Mem{Base: ctxReg, Disp: abi.CtxPollCounter}), Imm(1)))
	vi.emit(Jcc(CondS, cold))
	emitPreemptCheck(vi, cold)
	l.endPoll(vi, cold)
}

// The epoch poll (abi.BuiltinPollEpoch): loads and a compare, no store,
// so that a tight loop's iterations do not wait on each other's poll.
//
//	mov r11, [r15+CtxEpochAddr]
//	mov r11, [r11]
//	cmp r11, [r15+CtxEpochDeadline]
//	jae .Lcold
//	.Lresume:
//
// It does not read the goroutine's preemption word: the Go runtime's
// requests reach it through the deadline, which the signal handler zeroes
// when the runtime's preemption signal lands in generated code
// (internal/vm/sigtrap), and otherwise (no handler in explicit mode,
// GODEBUG=asyncpreemptoff=1) wait at most for the end of the time slice.
func lowerPollEpoch(l *lowerer) {
	vi, cold := l.beginPoll()
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxEpochAddr})))
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: R11})))
	vi.emit(I(CMP, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxEpochDeadline})))
	vi.emit(Jcc(CondAE, cold))
	l.endPoll(vi, cold)
}

// The preemption poll (abi.BuiltinPollPreempt): the poll tick's look at
// the preemption word without its counter, for the straight-line polls of
// code that counts fuel (a poll tick is a unit of fuel):
//
//	mov r11, [r15+CtxG]
//	cmp qword [r11+GStackguard0], StackPreempt
//	je .Lcold
//	.Lresume:
func lowerPollPreempt(l *lowerer) {
	vi, cold := l.beginPoll()
	emitPreemptCheck(vi, cold)
	l.endPoll(vi, cold)
}

// beginPoll starts an inline poll: its instruction, and the label of its
// cold path, which its checks branch to.
func (l *lowerer) beginPoll() (*vinst, Label) { return l.newInst(), l.asm.NewLabel() }

// endPoll ends an inline poll begun by beginPoll: the point its cold path
// resumes at, and, out of line after the function's blocks, the cold path
// (".Lcold: call poll_stub; jmp .Lresume") and its call site.
func (l *lowerer) endPoll(vi *vinst, cold Label) {
	resume, ret := l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(opBind, 0, L(resume)))
	l.cold = append(l.cold, I(opBind, 0, L(cold)), l.pollCall(), l.callMark(ret), Jmp(resume))
}

// emitPreemptCheck branches to cold when the Go runtime asks the running
// goroutine to stop (its preemption word, abi/goruntime.go).
func emitPreemptCheck(vi *vinst, cold Label) {
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxG})))
	vi.emit(I(CMP, S64, M(Mem{Base: R11, Disp: abi.GStackguard0}), Imm(abi.StackPreempt)))
	vi.emit(Jcc(CondE, cold))
}

// pollCall is the call into this function's poll stub, or the module's.
func (l *lowerer) pollCall() Inst {
	if l.sharedPoll {
		return I(CALL, 0, Func(PollStubCallee))
	}
	if l.pollStub == 0 {
		l.pollStub = l.asm.NewLabel()
	}
	return I(CALL, 0, L(l.pollStub))
}

// savingExitCall is the call of the exit that keeps every register (the
// poll stub's second entry), for code that has written its exit record.
func (l *lowerer) savingExitCall() Inst {
	if l.sharedPoll {
		return I(CALL, 0, Func(SavingExitCallee))
	}
	if l.pollStub == 0 {
		l.pollStub = l.asm.NewLabel()
	}
	if l.savingExit == 0 {
		l.savingExit = l.asm.NewLabel()
	}
	return I(CALL, 0, L(l.savingExit))
}

// coldCode emits the out-of-line code the lowering collected (templates
// over physical registers only).
func (e *emitter) coldCode() {
	for _, c := range e.l.cold {
		switch c.Op {
		case opBind:
			e.a.Bind(c.Args[0].Target())
		case opMark:
			e.mark(&c)
		default:
			if isPlainBranch(&c) {
				e.a.branch(c.Op, c.Cond, c.Args[0].Target())
				continue
			}
			e.a.Emit(c)
		}
	}
}
