package amd64

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// memory.copy and memory.fill are compiled inline rather than as exits: an
// exit and re-entry per call costs far more than the copy itself for the
// short copies libc's memmove and memset hand to them.
//
// Both check bounds first, unsigned in 64 bits, and trap heap_oob before
// writing anything (the spec's order); the 32-bit operands are
// zero-extended first, since an i32 register's upper half is not
// guaranteed to be zero. The direction flag stays clear throughout.

// The registers the sequences overwrite (besides the scratch R11 and XMM15).
var (
	copyClobbers = regSet(RDI, RSI, RCX)
	fillClobbers = regSet(RDI, RCX)
)

// lowerMemoryCopy: memory.copy(dst, src, n) on memory 0. Args: ctx, dst,
// src, n (i32). A forward copy (dst <= src, or no overlap) is one rep
// movsb; an overlapping copy to a higher address goes backwards, 16 bytes
// at a time from the top and then byte by byte (reading each chunk whole
// before writing it keeps the overlap exact).
func lowerMemoryCopy(l *lowerer, in *ssa.Inst) {
	if len(in.Args) != 4 {
		l.fail("memory.copy builtin with %d arguments", len(in.Args))
		return
	}
	vi := l.newInst()
	vi.useFixed(l.plainReg(in.Args[1]), RDI)
	vi.useFixed(l.plainReg(in.Args[2]), RSI)
	vi.useFixed(l.plainReg(in.Args[3]), RCX)
	vi.clobbers = copyClobbers
	oob := l.trapLabel(abi.TrapMemoryOutOfBounds)
	backward, loop16, tail, loop1, done := l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel()
	memBase := M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})
	memLen := M(Mem{Base: ctxReg, Disp: abi.CtxMemoryLen})
	vi.emit(I(MOV, S32, R(RDI), R(RDI)))
	vi.emit(I(MOV, S32, R(RSI), R(RSI)))
	vi.emit(I(MOV, S32, R(RCX), R(RCX)))
	// len - n < 0, dst > len - n or src > len - n: out of bounds.
	vi.emit(I(MOV, S64, R(R11), memLen))
	vi.emit(I(SUB, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, oob))
	vi.emit(I(CMP, S64, R(RDI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	vi.emit(I(CMP, S64, R(RSI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	vi.emit(I(MOV, S64, R(R11), memBase))
	vi.emit(I(ADD, S64, R(RDI), R(R11)))
	vi.emit(I(ADD, S64, R(RSI), R(R11)))
	// dst - src < n (unsigned): dst lies inside [src, src+n), copy backwards.
	vi.emit(I(MOV, S64, R(R11), R(RDI)))
	vi.emit(I(SUB, S64, R(R11), R(RSI)))
	vi.emit(I(CMP, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, backward))
	vi.emit(I(REPMOVSB, 0))
	vi.emit(Jmp(done))
	vi.emit(I(opBind, 0, L(backward)))
	vi.emit(I(CMP, S64, R(RCX), Imm(16)))
	vi.emit(Jcc(CondB, tail))
	vi.emit(I(opBind, 0, L(loop16)))
	vi.emit(I(SUB, S64, R(RCX), Imm(16)))
	vi.emit(I(MOVUPS, 0, R(XMM15), M(Mem{Base: RSI, Index: RCX, Scale: 1})))
	vi.emit(I(MOVUPS, 0, M(Mem{Base: RDI, Index: RCX, Scale: 1}), R(XMM15)))
	vi.emit(I(CMP, S64, R(RCX), Imm(16)))
	vi.emit(Jcc(CondAE, loop16))
	vi.emit(I(opBind, 0, L(tail)))
	vi.emit(I(TEST, S64, R(RCX), R(RCX)))
	vi.emit(Jcc(CondE, done))
	vi.emit(I(opBind, 0, L(loop1)))
	vi.emit(I(SUB, S64, R(RCX), Imm(1)))
	vi.emit(I(MOVZX8, S32, R(R11), M(Mem{Base: RSI, Index: RCX, Scale: 1})))
	vi.emit(I(MOV, S8, M(Mem{Base: RDI, Index: RCX, Scale: 1}), R(R11)))
	vi.emit(Jcc(CondNE, loop1))
	vi.emit(I(opBind, 0, L(done)))
}

// lowerMemoryFill: memory.fill(dst, value, n) on memory 0: rep stosb with
// the value's low byte in AL.
func lowerMemoryFill(l *lowerer, in *ssa.Inst) {
	if len(in.Args) != 4 {
		l.fail("memory.fill builtin with %d arguments", len(in.Args))
		return
	}
	vi := l.newInst()
	vi.useFixed(l.plainReg(in.Args[1]), RDI)
	vi.useFixed(l.plainReg(in.Args[2]), RAX)
	vi.useFixed(l.plainReg(in.Args[3]), RCX)
	vi.clobbers = fillClobbers
	oob := l.trapLabel(abi.TrapMemoryOutOfBounds)
	vi.emit(I(MOV, S32, R(RDI), R(RDI)))
	vi.emit(I(MOV, S32, R(RCX), R(RCX)))
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryLen})))
	vi.emit(I(SUB, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, oob))
	vi.emit(I(CMP, S64, R(RDI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	vi.emit(I(ADD, S64, R(RDI), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	vi.emit(I(REPSTOSB, 0))
}
