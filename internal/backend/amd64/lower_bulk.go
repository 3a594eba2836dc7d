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
//
// Only lengths up to abi.BulkChunk run inline (tens of microseconds at
// most over memory already touched). A longer one, once its whole range is
// checked, leaves out of line through the exit that keeps every register,
// as the builtin of the same name (longBulk): the runtime does it in
// chunks and lets the Go runtime in between, so no single instruction can
// hold up a stop-the-world. Short operations pay one compare and an
// untaken branch. An inline fill longer than fillPiece looks at the
// goroutine's preemption word between pieces of that size (fillPieces), as
// fresh pages fault at every 4 KiB.

// copyBlockRegs hold one 64-byte block of a copy: XMM15 (scratch) and
// three the sequence clobbers.
var copyBlockRegs = [4]Reg{XMM12, XMM13, XMM14, XMM15}

// The registers the sequences overwrite (besides the scratch R11 and XMM15).
var (
	copyClobbers = regSet(RDI, RSI, RCX, XMM12, XMM13, XMM14)
	// With AVX, also the deferred 32-byte ends (XMM10, XMM11) and the
	// first one's address (RDX).
	avxCopyClobbers = regSet(RDI, RSI, RCX, RDX, XMM10, XMM11, XMM12, XMM13, XMM14)
	fillClobbers    = regSet(RDI, RCX, RDX)
)

// fillPiece is the most a memory.fill writes inline between two looks at
// the goroutine's preemption word: 8 pages, tens of microseconds even when
// every page faults (memory a sandbox has not touched yet), where the
// 256 KiB that may run inline took 200-500 µs, a stop of the world waiting
// all along. Over memory already touched, a look costs a few instructions
// per 32 KiB.
const fillPiece = 32 << 10

// repMovsbMin is the length from which a forward copy uses rep movsb (fast
// for long copies, but with a start-up cost of tens of cycles). Backwards
// (with the direction flag set) it is an order of magnitude slower than
// the loops, so backward copies never use it.
const repMovsbMin = 256

// lowerMemoryCopy: memory.copy(dst, src, n) on memory 0. Args: ctx, dst,
// src, n (i32). With RDI, RSI the host addresses and RCX the count: a copy
// to a higher address that overlaps its source (dst - src < n, unsigned)
// goes backwards from the top, any other forwards from the bottom; both in
// blocks, then smaller chunks, then bytes (copyLoops), each block read
// whole before it is written, which keeps overlapping copies exact.
// Without AVX a long forward copy is one rep movsb.
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
	if l.feat.AVX {
		vi.clobbers = avxCopyClobbers
	}
	oob := l.trapLabel(abi.TrapMemoryOutOfBounds)
	backward, forward, done := l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(MOV, S32, R(RDI), R(RDI)))
	vi.emit(I(MOV, S32, R(RSI), R(RSI)))
	vi.emit(I(MOV, S32, R(RCX), R(RCX)))
	// len - n < 0, dst > len - n or src > len - n: out of bounds.
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryLen})))
	vi.emit(I(SUB, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, oob))
	vi.emit(I(CMP, S64, R(RDI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	vi.emit(I(CMP, S64, R(RSI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	l.longBulk(vi, abi.BuiltinMemoryCopy, [3]Reg{RDI, RSI, RCX}, done)
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	vi.emit(I(ADD, S64, R(RDI), R(R11)))
	vi.emit(I(ADD, S64, R(RSI), R(R11)))
	vi.emit(I(MOV, S64, R(R11), R(RDI)))
	vi.emit(I(SUB, S64, R(R11), R(RSI)))
	vi.emit(I(CMP, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, backward))
	// Forwards without AVX: rep movsb copies byte by byte in order, so it
	// is exact for any forward copy, and fast once long enough. With AVX
	// the ymm loops beat it at every length measured (256 B to 64 KiB,
	// BenchmarkMemoryCopy), as Go's own memmove prefers them.
	if !l.feat.AVX {
		vi.emit(I(CMP, S64, R(RCX), Imm(repMovsbMin)))
		vi.emit(Jcc(CondB, forward))
		vi.emit(I(REPMOVSB, 0))
		vi.emit(Jmp(done))
	}
	vi.emit(I(opBind, 0, L(forward)))
	if l.feat.AVX {
		l.alignedCopy(vi, false, done)
	} else {
		l.copyLoops(vi, false, done, sseCopySteps)
	}
	vi.emit(I(opBind, 0, L(backward)))
	if l.feat.AVX {
		l.alignedCopy(vi, true, done)
	} else {
		l.copyLoops(vi, true, done, sseCopySteps)
	}
	vi.emit(I(opBind, 0, L(done)))
	if l.feat.AVX {
		// The ymm loops dirty the upper halves; clear them so later SSE
		// code does not pay the transition penalty.
		vi.emit(I(VZEROUPPER, 0))
	}
}

// copyStep is one loop of a copy: move size bytes per iteration with op,
// through len(regs) registers of size/len(regs) bytes each (size 1: a byte
// through R11).
type copyStep struct {
	size int64
	op   Op
	regs []Reg
}

// sseCopySteps are the loops without AVX: 64-byte blocks in four xmm
// registers, 16-byte chunks, bytes.
var sseCopySteps = []copyStep{
	{64, MOVUPS, copyBlockRegs[:]},
	{16, MOVUPS, copyBlockRegs[3:]},
	{1, 0, nil},
}

// avxCopySteps are the loops with AVX from 32 bytes on: 128-byte blocks
// in four ymm registers, then 32-byte chunks (alignedCopy does the rest).
var avxCopySteps = []copyStep{
	{128, VMOVDQU256, copyBlockRegs[:]},
	{32, VMOVDQU256, copyBlockRegs[3:]},
}

// avxSmallSteps copy fewer than 32 bytes with AVX: a VEX 16-byte chunk (no
// legacy SSE while the upper halves may be dirty), then bytes.
var avxSmallSteps = []copyStep{
	{16, VMOVDQU, copyBlockRegs[3:]},
	{1, 0, nil},
}

// alignedCopy is the AVX copy: from 32 bytes on, it aligns the loops'
// stores to 32 bytes (misaligned ymm stores split across cache lines) and
// copies whole 32-byte chunks only. The first 32 bytes in the copy's
// direction (XMM11, stored at RDX) and the last 32 (XMM10) are loaded
// before anything is written and stored last: the loops start at the first
// aligned destination and leave under 32 bytes, which the last 32 cover,
// and any source bytes the loops overwrite (when source and destination
// overlap) belong to the first 32, already read.
func (l *lowerer) alignedCopy(vi *vinst, backward bool, done Label) {
	small, end := l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(CMP, S64, R(RCX), Imm(32)))
	vi.emit(Jcc(CondB, small))
	if backward {
		top := Mem{Base: RSI, Index: RCX, Scale: 1, Disp: -32}
		vi.emit(I(VMOVDQU256, 0, R(XMM11), M(top)))
		vi.emit(I(VMOVDQU256, 0, R(XMM10), M(Mem{Base: RSI})))
		vi.emit(I(LEA, S64, R(RDX), M(Mem{Base: RDI, Index: RCX, Scale: 1, Disp: -32})))
		// Drop the (dst+n) mod 32 top bytes: the loops end at an aligned top.
		vi.emit(I(LEA, S64, R(R11), M(Mem{Base: RDI, Index: RCX, Scale: 1})))
		vi.emit(I(AND, S64, R(R11), Imm(31)))
		vi.emit(I(SUB, S64, R(RCX), R(R11)))
	} else {
		vi.emit(I(VMOVDQU256, 0, R(XMM11), M(Mem{Base: RSI})))
		vi.emit(I(VMOVDQU256, 0, R(XMM10), M(Mem{Base: RSI, Index: RCX, Scale: 1, Disp: -32})))
		vi.emit(I(MOV, S64, R(RDX), R(RDI)))
		// Skip (-dst) mod 32 bytes: the loops start at an aligned destination.
		vi.emit(I(MOV, S64, R(R11), R(RDI)))
		vi.emit(I(NEG, S64, R(R11)))
		vi.emit(I(AND, S64, R(R11), Imm(31)))
		vi.emit(I(ADD, S64, R(RSI), R(R11)))
		vi.emit(I(ADD, S64, R(RDI), R(R11)))
		vi.emit(I(SUB, S64, R(RCX), R(R11)))
	}
	l.copyLoops(vi, backward, end, avxCopySteps)
	vi.emit(I(opBind, 0, L(end)))
	// The last 32 bytes: backwards at the bottom (RDI never moves); forwards
	// they end where the RCX bytes left over end.
	last := Mem{Base: RDI}
	if !backward {
		last = Mem{Base: RDI, Index: RCX, Scale: 1, Disp: -32}
	}
	vi.emit(I(VMOVDQU256, 0, M(last), R(XMM10)))
	vi.emit(I(VMOVDQU256, 0, M(Mem{Base: RDX}), R(XMM11)))
	vi.emit(Jmp(done))
	vi.emit(I(opBind, 0, L(small)))
	l.copyLoops(vi, backward, done, avxSmallSteps)
}

// copyLoops copies RCX bytes from [RSI] to [RDI] in the given steps,
// forwards (advancing RSI and RDI) or backwards (counting RCX down,
// addressing [base+RCX]), then jumps to done.
func (l *lowerer) copyLoops(vi *vinst, backward bool, done Label, steps []copyStep) {
	for _, st := range steps {
		loop, next := l.asm.NewLabel(), l.asm.NewLabel()
		vi.emit(I(CMP, S64, R(RCX), Imm(st.size)))
		vi.emit(Jcc(CondB, next))
		vi.emit(I(opBind, 0, L(loop)))
		width := int32(1)
		if len(st.regs) > 0 {
			width = int32(st.size) / int32(len(st.regs))
		}
		at := func(base Reg, k int) Mem { return Mem{Base: base, Disp: width * int32(k)} }
		if backward {
			vi.emit(I(SUB, S64, R(RCX), Imm(st.size)))
			at = func(base Reg, k int) Mem { return Mem{Base: base, Index: RCX, Scale: 1, Disp: width * int32(k)} }
		}
		if st.size == 1 {
			vi.emit(I(MOVZX8, S32, R(R11), M(at(RSI, 0))))
			vi.emit(I(MOV, S8, M(at(RDI, 0)), R(R11)))
		} else {
			// All loads before any store: exact for overlapping copies.
			for k, r := range st.regs {
				vi.emit(I(st.op, 0, R(r), M(at(RSI, k))))
			}
			for k, r := range st.regs {
				vi.emit(I(st.op, 0, M(at(RDI, k)), R(r)))
			}
		}
		if !backward {
			vi.emit(I(ADD, S64, R(RSI), Imm(st.size)))
			vi.emit(I(ADD, S64, R(RDI), Imm(st.size)))
			vi.emit(I(SUB, S64, R(RCX), Imm(st.size)))
		}
		vi.emit(I(CMP, S64, R(RCX), Imm(st.size)))
		vi.emit(Jcc(CondAE, loop))
		vi.emit(I(opBind, 0, L(next)))
	}
	vi.emit(Jmp(done))
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
	done := l.asm.NewLabel()
	vi.emit(I(MOV, S32, R(RDI), R(RDI)))
	vi.emit(I(MOV, S32, R(RCX), R(RCX)))
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryLen})))
	vi.emit(I(SUB, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, oob))
	vi.emit(I(CMP, S64, R(RDI), R(R11)))
	vi.emit(Jcc(CondA, oob))
	l.longBulk(vi, abi.BuiltinMemoryFill, [3]Reg{RDI, RAX, RCX}, done)
	vi.emit(I(ADD, S64, R(RDI), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	l.fillPieces(vi, done)
	vi.emit(I(REPSTOSB, 0))
	vi.emit(I(opBind, 0, L(done)))
}

// fillPieces writes a fill longer than fillPiece (RCX bytes of AL at host
// address RDI) in pieces of fillPiece, leaving the last piece of at most
// fillPiece to the caller's rep stosb. Between two pieces it looks at the
// goroutine's preemption word as a poll does; when the Go runtime asks
// (a stop of the world, a stack scan), the rest leaves out of line like a
// long fill (longBulk), which the runtime does in chunks with checks
// between them, and continues at done.
//
//	cmp rcx, fillPiece ; jbe .Llast
//	.Lpiece: mov rdx, rcx ; sub rdx, fillPiece ; mov rcx, fillPiece
//	rep stosb ; mov rcx, rdx
//	mov r11, [r15+CtxG] ; cmp qword [r11+GStackguard0], StackPreempt ; je .Lcold
//	cmp rcx, fillPiece ; ja .Lpiece
//	.Llast:
func (l *lowerer) fillPieces(vi *vinst, done Label) {
	piece, last, cold, ret := l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(CMP, S64, R(RCX), Imm(fillPiece)))
	vi.emit(Jcc(CondBE, last))
	vi.emit(I(opBind, 0, L(piece)))
	vi.emit(I(MOV, S64, R(RDX), R(RCX)))
	vi.emit(I(SUB, S64, R(RDX), Imm(fillPiece)))
	vi.emit(I(MOV, S64, R(RCX), Imm(fillPiece)))
	vi.emit(I(REPSTOSB, 0))
	vi.emit(I(MOV, S64, R(RCX), R(RDX)))
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxG})))
	vi.emit(I(CMP, S64, M(Mem{Base: R11, Disp: abi.GStackguard0}), Imm(abi.StackPreempt)))
	vi.emit(Jcc(CondE, cold))
	vi.emit(I(CMP, S64, R(RCX), Imm(fillPiece)))
	vi.emit(Jcc(CondA, piece))
	vi.emit(I(opBind, 0, L(last)))
	// Out of line: the rest as the builtin's arguments (a guest address).
	l.cold = append(l.cold, I(opBind, 0, L(cold)),
		I(MOV, S64, R(R11), R(RDI)),
		I(SUB, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})),
		I(MOV, S64, exitArg(0), R(R11)),
		I(MOV, S64, exitArg(1), R(RAX)),
		I(MOV, S64, exitArg(2), R(RCX)),
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitBuiltin))),
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(abi.BuiltinMemoryFill))),
		l.savingExitCall(), I(opMark, 0, L(ret)), Jmp(done))
	l.callSites = append(l.callSites, siteLabel{ret, l.curPos()})
}

// longBulk sends a bulk operation whose range is checked and whose length
// (in RCX) exceeds abi.BulkChunk out of line: its three operands (the
// builtin's arguments, as zero-extended guest values) go into the exit
// record and it leaves as builtin b through the exit that keeps every
// register, then continues at done. The cold code is recorded as a call
// site of the current instruction, for backtraces.
func (l *lowerer) longBulk(vi *vinst, b abi.Builtin, args [3]Reg, done Label) {
	long, ret := l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(CMP, S64, R(RCX), Imm(abi.BulkChunk)))
	vi.emit(Jcc(CondA, long))
	l.cold = append(l.cold, I(opBind, 0, L(long)))
	for k, r := range args {
		l.cold = append(l.cold, I(MOV, S64, exitArg(k), R(r)))
	}
	l.cold = append(l.cold,
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitBuiltin))),
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(b))),
		l.savingExitCall(), I(opMark, 0, L(ret)), Jmp(done))
	l.callSites = append(l.callSites, siteLabel{ret, l.curPos()})
}
