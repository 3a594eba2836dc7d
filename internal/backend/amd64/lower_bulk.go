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
// untaken branch. An inline fill longer than fillPiece, or copy longer
// than copyPiece, looks at the goroutine's preemption word between pieces
// of that size (fillPieces, copyPieces), as fresh pages fault at every
// 4 KiB.

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

// copyPiece is the most a memory.copy moves inline between two looks at
// the preemption word (copyPieces), for the same reason as fillPiece.
const copyPiece = 32 << 10

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
// Without AVX a long forward copy is one rep movsb. A copy longer than
// copyPiece goes through copyPieces, out of line.
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
	pieces, forwardAny := l.asm.NewLabel(), l.asm.NewLabel()
	vi.emit(I(CMP, S64, R(RCX), Imm(copyPiece)))
	vi.emit(Jcc(CondA, pieces))
	vi.emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	vi.emit(I(ADD, S64, R(RDI), R(R11)))
	vi.emit(I(ADD, S64, R(RSI), R(R11)))
	vi.emit(I(MOV, S64, R(R11), R(RDI)))
	vi.emit(I(SUB, S64, R(R11), R(RSI)))
	vi.emit(I(CMP, S64, R(R11), R(RCX)))
	vi.emit(Jcc(CondB, backward))
	vi.emit(I(opBind, 0, L(forwardAny)))
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
		l.alignedCopy(vi.emit, false, done)
	} else {
		l.copyLoops(vi.emit, false, done, sseCopySteps)
	}
	vi.emit(I(opBind, 0, L(backward)))
	l.copyBackward(vi.emit, done)
	vi.emit(I(opBind, 0, L(done)))
	l.copyPieces(pieces, forwardAny, backward, done)
	if l.feat.AVX {
		// The ymm loops dirty the upper halves; clear them so later SSE
		// code does not pay the transition penalty.
		vi.emit(I(VZEROUPPER, 0))
	}
}

// copyBackward copies RCX bytes from host address RSI to RDI, highest
// first, then jumps to done. It leaves RDI and RSI as they were.
func (l *lowerer) copyBackward(emit func(Inst), done Label) {
	if l.feat.AVX {
		l.alignedCopy(emit, true, done)
	} else {
		l.copyLoops(emit, true, done, sseCopySteps)
	}
}

// copyPieces is the out-of-line code of a memory.copy longer than
// copyPiece, entered at pieces with its range checked (RDI, RSI guest
// addresses, RCX the length). One longer than abi.BulkChunk leaves out of
// line (longBulk). Any other runs inline a piece of copyPiece at a time,
// in the copy's direction (the lowest piece first forwards, the highest
// first backwards: a piece never writes source bytes a later piece
// reads), with a look at the goroutine's preemption word between two as
// fillPieces does. The last piece of at most copyPiece is the inline
// copy's own code (forwardAny, backward); when the Go runtime asks, the
// rest leaves out of line as a long copy does, the builtin's memmove
// exact for it as the bytes it reads were not written yet.
//
// Between two pieces the length left after the current one is kept in
// the exit record's third word, which nothing else reads before an exit
// writes it (the copy loops use every scratch register).
//
//	.Lpieces: cmp rcx, BulkChunk ; ja .Llong
//	mov r11, [r15+CtxMemoryBase] ; add rdi, r11 ; add rsi, r11
//	mov r11, rdi ; sub r11, rsi ; cmp r11, rcx ; jb .Lback
//	.Lfwd: mov r11, rcx ; sub r11, copyPiece ; mov [rest], r11 ; mov rcx, copyPiece
//	<forward copy: alignedCopy, or rep movsb> .Lfwdend: add rdi, rcx ; add rsi, rcx ; mov rcx, [rest]
//	<preemption check> ; cmp rcx, copyPiece ; ja .Lfwd ; jmp forwardAny
//	.Lback: mov r11, rcx ; sub r11, copyPiece ; mov [rest], r11
//	add rdi, r11 ; add rsi, r11 ; mov rcx, copyPiece
//	<backward copy> .Lbackend: mov rcx, [rest] ; sub rdi, rcx ; sub rsi, rcx
//	<preemption check> ; cmp rcx, copyPiece ; ja .Lback ; jmp backward
func (l *lowerer) copyPieces(pieces, forwardAny, backward, done Label) {
	emit := func(c Inst) { l.cold = append(l.cold, c) }
	long := l.longBulkExit(abi.BuiltinMemoryCopy, [3]Reg{RDI, RSI, RCX}, done)
	fwd, fwdEnd, back, backEnd, rest := l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel(), l.asm.NewLabel()
	left := exitArg(2)
	preempted := func() {
		emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxG})))
		emit(I(CMP, S64, M(Mem{Base: R11, Disp: abi.GStackguard0}), Imm(abi.StackPreempt)))
		emit(Jcc(CondE, rest))
		emit(I(CMP, S64, R(RCX), Imm(copyPiece)))
	}
	emit(I(opBind, 0, L(pieces)))
	emit(I(CMP, S64, R(RCX), Imm(abi.BulkChunk)))
	emit(Jcc(CondA, long))
	emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	emit(I(ADD, S64, R(RDI), R(R11)))
	emit(I(ADD, S64, R(RSI), R(R11)))
	emit(I(MOV, S64, R(R11), R(RDI)))
	emit(I(SUB, S64, R(R11), R(RSI)))
	emit(I(CMP, S64, R(R11), R(RCX)))
	emit(Jcc(CondB, back))

	emit(I(opBind, 0, L(fwd)))
	emit(I(MOV, S64, R(R11), R(RCX)))
	emit(I(SUB, S64, R(R11), Imm(copyPiece)))
	emit(I(MOV, S64, left, R(R11)))
	emit(I(MOV, S64, R(RCX), Imm(copyPiece)))
	if l.feat.AVX {
		l.alignedCopy(emit, false, fwdEnd)
	} else {
		emit(I(REPMOVSB, 0)) // a whole piece: long enough for rep movsb
	}
	emit(I(opBind, 0, L(fwdEnd)))
	emit(I(ADD, S64, R(RDI), R(RCX)))
	emit(I(ADD, S64, R(RSI), R(RCX)))
	emit(I(MOV, S64, R(RCX), left))
	preempted()
	emit(Jcc(CondA, fwd))
	emit(Jmp(forwardAny))

	emit(I(opBind, 0, L(back)))
	emit(I(MOV, S64, R(R11), R(RCX)))
	emit(I(SUB, S64, R(R11), Imm(copyPiece)))
	emit(I(MOV, S64, left, R(R11)))
	emit(I(ADD, S64, R(RDI), R(R11)))
	emit(I(ADD, S64, R(RSI), R(R11)))
	emit(I(MOV, S64, R(RCX), Imm(copyPiece)))
	l.copyBackward(emit, backEnd)
	emit(I(opBind, 0, L(backEnd)))
	emit(I(MOV, S64, R(RCX), left))
	emit(I(SUB, S64, R(RDI), R(RCX)))
	emit(I(SUB, S64, R(RSI), R(RCX)))
	preempted()
	emit(Jcc(CondA, back))
	emit(Jmp(backward))

	// The rest out of line, from guest addresses.
	ret := l.asm.NewLabel()
	emit(I(opBind, 0, L(rest)))
	if l.feat.AVX {
		emit(I(VZEROUPPER, 0)) // the pieces' ymm loops dirtied the upper halves
	}
	emit(I(MOV, S64, R(R11), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryBase})))
	emit(I(SUB, S64, R(RDI), R(R11)))
	emit(I(SUB, S64, R(RSI), R(R11)))
	emit(I(MOV, S64, exitArg(0), R(RDI)))
	emit(I(MOV, S64, exitArg(1), R(RSI)))
	emit(I(MOV, S64, exitArg(2), R(RCX)))
	emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitBuiltin))))
	emit(I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(abi.BuiltinMemoryCopy))))
	emit(l.savingExitCall())
	emit(l.callMark(ret))
	emit(Jmp(done))
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
func (l *lowerer) alignedCopy(emit func(Inst), backward bool, done Label) {
	small, end := l.asm.NewLabel(), l.asm.NewLabel()
	emit(I(CMP, S64, R(RCX), Imm(32)))
	emit(Jcc(CondB, small))
	if backward {
		top := Mem{Base: RSI, Index: RCX, Scale: 1, Disp: -32}
		emit(I(VMOVDQU256, 0, R(XMM11), M(top)))
		emit(I(VMOVDQU256, 0, R(XMM10), M(Mem{Base: RSI})))
		emit(I(LEA, S64, R(RDX), M(Mem{Base: RDI, Index: RCX, Scale: 1, Disp: -32})))
		// Drop the (dst+n) mod 32 top bytes: the loops end at an aligned top.
		emit(I(LEA, S64, R(R11), M(Mem{Base: RDI, Index: RCX, Scale: 1})))
		emit(I(AND, S64, R(R11), Imm(31)))
		emit(I(SUB, S64, R(RCX), R(R11)))
	} else {
		emit(I(VMOVDQU256, 0, R(XMM11), M(Mem{Base: RSI})))
		emit(I(VMOVDQU256, 0, R(XMM10), M(Mem{Base: RSI, Index: RCX, Scale: 1, Disp: -32})))
		emit(I(MOV, S64, R(RDX), R(RDI)))
		// Skip (-dst) mod 32 bytes: the loops start at an aligned destination.
		emit(I(MOV, S64, R(R11), R(RDI)))
		emit(I(NEG, S64, R(R11)))
		emit(I(AND, S64, R(R11), Imm(31)))
		emit(I(ADD, S64, R(RSI), R(R11)))
		emit(I(ADD, S64, R(RDI), R(R11)))
		emit(I(SUB, S64, R(RCX), R(R11)))
	}
	l.copyLoops(emit, backward, end, avxCopySteps)
	emit(I(opBind, 0, L(end)))
	// The last 32 bytes: backwards at the bottom (RDI never moves); forwards
	// they end where the RCX bytes left over end.
	last := Mem{Base: RDI}
	if !backward {
		last = Mem{Base: RDI, Index: RCX, Scale: 1, Disp: -32}
	}
	emit(I(VMOVDQU256, 0, M(last), R(XMM10)))
	emit(I(VMOVDQU256, 0, M(Mem{Base: RDX}), R(XMM11)))
	emit(Jmp(done))
	emit(I(opBind, 0, L(small)))
	l.copyLoops(emit, backward, done, avxSmallSteps)
}

// copyLoops copies RCX bytes from [RSI] to [RDI] in the given steps,
// forwards (advancing RSI and RDI) or backwards (counting RCX down,
// addressing [base+RCX]), then jumps to done.
func (l *lowerer) copyLoops(emit func(Inst), backward bool, done Label, steps []copyStep) {
	for _, st := range steps {
		loop, next := l.asm.NewLabel(), l.asm.NewLabel()
		emit(I(CMP, S64, R(RCX), Imm(st.size)))
		emit(Jcc(CondB, next))
		emit(I(opBind, 0, L(loop)))
		width := int32(1)
		if len(st.regs) > 0 {
			width = int32(st.size) / int32(len(st.regs))
		}
		at := func(base Reg, k int) Mem { return Mem{Base: base, Disp: width * int32(k)} }
		if backward {
			emit(I(SUB, S64, R(RCX), Imm(st.size)))
			at = func(base Reg, k int) Mem { return Mem{Base: base, Index: RCX, Scale: 1, Disp: width * int32(k)} }
		}
		if st.size == 1 {
			emit(I(MOVZX8, S32, R(R11), M(at(RSI, 0))))
			emit(I(MOV, S8, M(at(RDI, 0)), R(R11)))
		} else {
			// All loads before any store: exact for overlapping copies.
			for k, r := range st.regs {
				emit(I(st.op, 0, R(r), M(at(RSI, k))))
			}
			for k, r := range st.regs {
				emit(I(st.op, 0, M(at(RDI, k)), R(r)))
			}
		}
		if !backward {
			emit(I(ADD, S64, R(RSI), Imm(st.size)))
			emit(I(ADD, S64, R(RDI), Imm(st.size)))
			emit(I(SUB, S64, R(RCX), Imm(st.size)))
		}
		emit(I(CMP, S64, R(RCX), Imm(st.size)))
		emit(Jcc(CondAE, loop))
		emit(I(opBind, 0, L(next)))
	}
	emit(Jmp(done))
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
		l.savingExitCall(), l.callMark(ret), Jmp(done))
}

// longBulk sends a bulk operation whose range is checked and whose length
// (in RCX) exceeds abi.BulkChunk out of line: its three operands (the
// builtin's arguments, as zero-extended guest values) go into the exit
// record and it leaves as builtin b through the exit that keeps every
// register, then continues at done. The cold code is recorded as a call
// site of the current instruction, for backtraces.
func (l *lowerer) longBulk(vi *vinst, b abi.Builtin, args [3]Reg, done Label) {
	vi.emit(I(CMP, S64, R(RCX), Imm(abi.BulkChunk)))
	vi.emit(Jcc(CondA, l.longBulkExit(b, args, done)))
}

// longBulkExit is longBulk's out-of-line code, at the label it returns.
func (l *lowerer) longBulkExit(b abi.Builtin, args [3]Reg, done Label) Label {
	long, ret := l.asm.NewLabel(), l.asm.NewLabel()
	l.cold = append(l.cold, I(opBind, 0, L(long)))
	for k, r := range args {
		l.cold = append(l.cold, I(MOV, S64, exitArg(k), R(r)))
	}
	l.cold = append(l.cold,
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitCode}), Imm(int64(abi.ExitBuiltin))),
		I(MOV, S32, M(Mem{Base: ctxReg, Disp: abi.CtxExitIndex}), Imm(int64(b))),
		l.savingExitCall(), l.callMark(ret), Jmp(done))
	return long
}
