package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Terminators and traps. Branch code is completed at emission, when the
// block layout says which targets fall through.

func lowerJump(l *lowerer, in *ssa.Inst) {
	l.branchArgs(in)
	l.cur = append(l.cur, l.newTerm(vJump))
}

// lowerBrif fuses a compare defining the condition into the branch.
func lowerBrif(l *lowerer, in *ssa.Inst) {
	l.branchArgs(in)
	vi := l.newTerm(vBrif)
	vi.cond, vi.parity = l.condOf(vi, in.Args[0])
	l.cur = append(l.cur, vi)
}

// lowerBrTable: ops[0] the index, ops[1] and ops[2] temporaries for the
// table address and entry.
func lowerBrTable(l *lowerer, in *ssa.Inst) {
	l.branchArgs(in)
	vi := l.newTerm(vBrTable)
	vi.ntargets = len(in.Targets) - 1
	vi.use(l.plainReg(in.Args[0]))
	vi.defEarly(l.temp(backend.ClassInt))
	vi.defEarly(l.temp(backend.ClassInt))
	l.cur = append(l.cur, vi)
}

// lowerReturn places the results per the calling convention (abi_conv.go).
func lowerReturn(l *lowerer, in *ssa.Inst) {
	locs, _ := l.valueLocs(&l.resultLocs, in.Args, intResultRegs, floatResRegs)
	for k, a := range in.Args {
		if locs[k].reg == NoReg {
			vi := l.newInst()
			// Above this function's stack arguments (abi_conv.go).
			vi.emit(storeInst(l.f.ValueType(a), M(Mem{Base: RBP, Disp: int32(16 + 8*(l.stackParams+locs[k].slot))}), vi.use(l.reg(a))))
		}
	}
	vi := l.newTerm(vReturn)
	for k, a := range in.Args {
		if locs[k].reg != NoReg {
			vi.useFixed(l.plainReg(a), locs[k].reg)
		}
	}
	l.cur = append(l.cur, vi)
}

func lowerTrap(l *lowerer, in *ssa.Inst) {
	vi := l.newTerm(vTrap)
	if l.faultingUnreachable && in.Trap == abi.TrapUnreachable {
		// ud2 in line: two bytes instead of a jump and an exit stub.
		l.faultSite(vi, abi.TrapUnreachable)
		vi.emit(I(UD2, 0))
		l.cur = append(l.cur, vi)
		return
	}
	vi.emit(Jmp(l.trapLabel(in.Trap)))
	l.cur = append(l.cur, vi)
}

// lowerCondTrap jumps to the trap stub when the condition (fused compare or
// value) says so.
func lowerCondTrap(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	cond, par := l.condOf(vi, in.Args[0])
	stub := l.trapLabel(in.Trap)
	if in.Op == ssa.OpTrapz { // trap when the condition is false
		cond, par = invertCond(cond, par)
	}
	l.jumpIf(vi, cond, par, stub)
}

// jumpIf emits a branch to target taken when (cond, par) holds.
func (l *lowerer) jumpIf(vi *vinst, cond Cond, par parityMode, target Label) {
	switch par {
	case parityNone:
		vi.emit(Jcc(cond, target))
	case parityOrP:
		vi.emit(Jcc(CondP, target))
		vi.emit(Jcc(cond, target))
	case parityAndNP:
		skip := l.asm.NewLabel()
		vi.emit(Jcc(CondP, skip))
		vi.emit(Jcc(cond, target))
		vi.emit(I(opBind, 0, L(skip)))
	}
}

// trapStub is the out-of-line code of one trap code: record it and exit.
// The exit never returns.
func trapStub(a *Assembler, code abi.TrapCode) {
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitTrap))))
	a.Emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(code))))
	a.Emit(I(CALL, 0, M(Mem{Base: ctxReg, Disp: abi.CtxExitStub})))
	a.Emit(I(UD2, 0))
}
