package amd64

import (
	"github.com/moat-run/moat/internal/ssa"
)

// The narrow WebAssembly vector accesses arrive as a scalar load or store
// next to a vector operation (ssa/opcodes_simd.go); these rules fuse the
// pair into one instruction with a memory operand: load*_splat, load*_zero,
// load*_lane, store*_lane and load8x8_s and friends. load.v128 and the
// store of a v128 are the generic lowerLoad/lowerStore (movups).

// useCount is how many operands refer to v.
func (l *lowerer) useCount(v ssa.Value) int32 {
	if l.uses == nil {
		l.uses = l.f.UseCounts()
	}
	if v < 0 || int(v) >= len(l.uses) {
		return 0
	}
	return l.uses[v]
}

// fusableLoad reports the load defining v when the instruction being
// lowered may do its memory access instead: v has no other use and the
// load stands earlier in the same block with only pure instructions in
// between, so no store and no other trap can come between the two places.
// A load that may fault (guard-page mode) may fuse too: its fault moves to
// the fused instruction, which becomes the fault site, and nothing
// observable happens in between. ops are the load opcodes accepted.
func (l *lowerer) fusableLoad(v ssa.Value, ops ...ssa.Opcode) *ssa.Inst {
	d := l.defOf(v)
	if d == nil || l.useCount(v) != 1 || !d.Op.IsLoad() || len(d.Results) != 1 {
		return nil
	}
	match := false
	for _, op := range ops {
		match = match || d.Op == op
	}
	if !match {
		return nil
	}
	for i := l.curIdx - 1; i >= 0; i-- {
		in := l.curInsts[i]
		if in == d {
			return d
		}
		if !in.IsPure() {
			return nil
		}
	}
	return nil
}

// loadMem is the memory operand of load d, its address operands added to
// vi, and marks d as done by vi. The caller marks the instruction that
// uses the operand first with markFault(vi, d).
func (l *lowerer) loadMem(vi *vinst, d *ssa.Inst) Operand {
	l.fused[d.Results[0]] = true
	return M(l.addrMode(vi, d.Args[0], d.Offset))
}

// splatLoadOps are the loads a splat of each shape can take.
var splatLoadOps = map[ssa.Shape][]ssa.Opcode{
	ssa.I8x16: {ssa.OpUload8, ssa.OpSload8}, ssa.I16x8: {ssa.OpUload16, ssa.OpSload16},
	ssa.I32x4: {ssa.OpLoad, ssa.OpUload32, ssa.OpSload32}, ssa.I64x2: {ssa.OpLoad},
	ssa.F32x4: {ssa.OpLoad}, ssa.F64x2: {ssa.OpLoad},
}

// lowerLoadSplat: load*_splat, a broadcast from memory with AVX2, else a
// lane-0 load and a shuffle.
func lowerLoadSplat(l *lowerer, in *ssa.Inst) bool {
	sh := in.Shape()
	ld := l.fusableLoad(in.Args[0], splatLoadOps[sh]...)
	if ld == nil {
		return false
	}
	vi := l.newInst()
	m := l.loadMem(vi, ld)
	d := vi.def(l.vreg(in.Results[0]))
	l.markFault(vi, ld)
	if l.feat.AVX2 {
		vi.emit(I(broadcastOps[sh], 0, R(d), m))
		return true
	}
	switch sh {
	case ssa.I8x16:
		vi.emit(I(PINSRB, 0, R(d), m, Imm(0)))
	case ssa.I16x8:
		vi.emit(I(PINSRW, 0, R(d), m, Imm(0)))
	case ssa.I32x4, ssa.F32x4:
		vi.emit(I(MOVD, 0, R(d), m))
	default:
		vi.emit(I(MOVDDUP, 0, R(d), m))
		return true
	}
	l.spreadLane0(vi, sh, d)
	return true
}

// lowerLoadZero: load32_zero and load64_zero, movd/movq from memory.
func lowerLoadZero(l *lowerer, in *ssa.Inst) bool {
	sh := in.Shape()
	if sh != ssa.I32x4 && sh != ssa.I64x2 && sh != ssa.F32x4 && sh != ssa.F64x2 {
		return false
	}
	ld := l.fusableLoad(in.Args[0], ssa.OpLoad)
	if ld == nil {
		return false
	}
	vi := l.newInst()
	m := l.loadMem(vi, ld)
	d := vi.def(l.vreg(in.Results[0]))
	l.markFault(vi, ld)
	if sh.LaneBits() == 32 {
		vi.emit(I(MOVD, 0, R(d), m))
	} else {
		vi.emit(I(MOVQ, 0, R(d), m))
	}
	return true
}

// laneLoadOps are the loads an insertlane of each shape can take.
var laneLoadOps = map[ssa.Shape][]ssa.Opcode{
	ssa.I8x16: {ssa.OpUload8, ssa.OpSload8}, ssa.I16x8: {ssa.OpUload16, ssa.OpSload16},
	ssa.I32x4: {ssa.OpLoad, ssa.OpUload32, ssa.OpSload32}, ssa.I64x2: {ssa.OpLoad},
}

// lowerLoadLane: load*_lane, pinsrb/w/d/q from memory.
func lowerLoadLane(l *lowerer, in *ssa.Inst) bool {
	sh := in.Shape()
	ops, ok := laneLoadOps[sh]
	if !ok {
		return false
	}
	ld := l.fusableLoad(in.Args[1], ops...)
	if ld == nil {
		return false
	}
	vi := l.newInst()
	m := l.loadMem(vi, ld)
	d := l.vecDst(vi, in.Results[0], in.Args[0])
	l.markFault(vi, ld)
	vi.emit(I(pinsrOps[sh], 0, R(d), m, Imm(int64(in.Lane()))))
	return true
}

// lowerStoreLane: store*_lane, an extractlane whose only use is the store
// becomes pextrb/w/d/q (or movd/movq for lane 0) to memory. The extract is
// pure, so it may move to the store.
func lowerStoreLane(l *lowerer, in *ssa.Inst) bool {
	x := in.Args[0]
	ex := l.defOf(x)
	if ex == nil || ex.Op != ssa.OpExtractlane || l.useCount(x) != 1 {
		return false
	}
	sh, n := ex.Shape(), int64(ex.Lane())
	var op Op
	switch {
	case sh == ssa.I8x16 && in.Op == ssa.OpIstore8:
		op = PEXTRB
	case sh == ssa.I16x8 && in.Op == ssa.OpIstore16:
		op = PEXTRW
	case in.Op != ssa.OpStore:
		return false
	case sh == ssa.I32x4 || sh == ssa.F32x4:
		op = PEXTRD
	case sh == ssa.I64x2 || sh == ssa.F64x2:
		op = PEXTRQ
	default:
		return false
	}
	vi := l.newInst()
	m := M(l.addrMode(vi, in.Args[1], in.Offset))
	v := vi.use(l.reg(ex.Args[0]))
	l.markFault(vi, in)
	switch {
	case n == 0 && op == PEXTRD:
		vi.emit(I(MOVD, 0, m, R(v)))
	case n == 0 && op == PEXTRQ:
		vi.emit(I(MOVQ, 0, m, R(v)))
	default:
		vi.emit(I(op, 0, m, R(v), Imm(n)))
	}
	return true
}

// widenLowOps are pmovsx/pmovzx by result shape, signed first.
var widenLowOps = map[ssa.Shape][2]Op{
	ssa.I16x8: {PMOVSXBW, PMOVZXBW}, ssa.I32x4: {PMOVSXWD, PMOVZXWD}, ssa.I64x2: {PMOVSXDQ, PMOVZXDQ},
}

func widenLowOp(in *ssa.Inst) Op {
	ops := widenLowOps[in.Shape()]
	if in.Op == ssa.OpUwidenLow {
		return ops[1]
	}
	return ops[0]
}

// lowerLoadWiden: load8x8_s and friends, a widening of scalar_to_vector
// of a 64-bit load, read straight from memory by pmovsx/pmovzx.
func lowerLoadWiden(l *lowerer, in *ssa.Inst) bool {
	s := l.defOf(in.Args[0])
	if s == nil || s.Op != ssa.OpScalarToVector || s.Shape() != ssa.I64x2 || l.useCount(in.Args[0]) != 1 {
		return false
	}
	ld := l.fusableLoad(s.Args[0], ssa.OpLoad)
	if ld == nil || l.f.ValueType(s.Args[0]) != ssa.I64 {
		return false
	}
	vi := l.newInst()
	m := l.loadMem(vi, ld)
	d := vi.def(l.vreg(in.Results[0]))
	l.markFault(vi, ld)
	vi.emit(I(widenLowOp(in), 0, R(d), m))
	return true
}
