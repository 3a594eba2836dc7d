package amd64

import "github.com/moat-run/moat/internal/abi"

// The poll tick (abi.BuiltinPollTick) at function entries and loop
// headers: one read-modify-write of the counter and a branch that is
// never taken until the counter runs out,
//
//	sub qword [r15+CtxPollCounter], 1
//	js .Lcold
//	.Lresume:
//
// with the call into the poll stub out of line, after the function's
// blocks (".Lcold: call poll_stub; jmp .Lresume"). The stub keeps every
// register, so the allocator sees an instruction with no register effect.

func lowerPollTick(l *lowerer) {
	vi := l.newInst()
	cold, resume := l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(SUB, S64, M(Mem{Base: ctxReg, Disp: abi.CtxPollCounter}), Imm(1)))
	vi.emit(Jcc(CondS, cold))
	vi.emit(I(opBind, 0, L(resume)))

	ret := l.asm.NewLabel()
	l.cold = append(l.cold, I(opBind, 0, L(cold)), l.pollCall(), I(opMark, 0, L(ret)), Jmp(resume))
	l.callSites = append(l.callSites, siteLabel{ret, l.curPos()})
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

// coldCode emits the out-of-line code the lowering collected (templates
// over physical registers only).
func (e *emitter) coldCode() {
	for _, c := range e.l.cold {
		switch c.Op {
		case opBind:
			e.a.Bind(c.Args[0].Target())
		case opMark:
			e.a.BindQuiet(c.Args[0].Target())
		default:
			e.a.Emit(c)
		}
	}
}
