package amd64

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// Loads and stores, with address computations folded into the memory
// operand: [base + index*scale + disp].

// addrMode appends the operands of address addr+off to vi and returns the
// memory operand. It folds constant additions into the displacement and one
// register addition (possibly of a shifted index) into base + index*scale.
func (l *lowerer) addrMode(vi *vinst, addr ssa.Value, off int32) Mem {
	disp := int64(off)
	base := addr
	var index ssa.Value = ssa.NoValue
	var scale uint8 = 1
	for depth := 0; depth < 3; depth++ {
		d := l.defOf(base)
		if d == nil || d.Op != ssa.OpIadd || l.rtype(d) != ssa.I64 {
			break
		}
		x, y := d.Args[0], d.Args[1]
		if c, ok := l.immOf(y, ssa.I64); ok && fitsDisp(disp+c) {
			disp += c
			base = x
			continue
		}
		if c, ok := l.immOf(x, ssa.I64); ok && fitsDisp(disp+c) {
			disp += c
			base = y
			continue
		}
		if index != ssa.NoValue {
			break
		}
		if z, s, ok := l.scaledIndex(y, ssa.I64); ok {
			base, index, scale = x, z, s
		} else if z, s, ok := l.scaledIndex(x, ssa.I64); ok {
			base, index, scale = y, z, s
		} else {
			base, index = x, y
		}
		break
	}
	m := Mem{Base: vi.use(l.reg(l.zextSource(base))), Disp: int32(disp), Scale: scale}
	if index != ssa.NoValue {
		m.Index = vi.use(l.reg(l.zextSource(index)))
	}
	return m
}

// zextSource is x for v = uextend x when x's register already holds it
// zero-extended (upperZero): the address reads x's register itself, so no
// copy is made for the extension, and x and its extension do not both
// stay live (a loop's index and the address it forms).
func (l *lowerer) zextSource(v ssa.Value) ssa.Value {
	if d := l.defOf(v); d != nil && d.Op == ssa.OpUextend && l.upperZero(d.Args[0]) {
		return d.Args[0]
	}
	return v
}

func fitsDisp(d int64) bool { return d >= math.MinInt32 && d <= math.MaxInt32 }

// markFault marks the template vi emits next as the memory access of in
// when in may fault (a load or store without ssa.MemNoTrap: the frontend
// left it unchecked, relying on guard pages).
func (l *lowerer) markFault(vi *vinst, in *ssa.Inst) {
	if in.Flags&ssa.MemNoTrap == 0 {
		l.faultSite(vi, abi.TrapMemoryOutOfBounds)
	}
}

// faultSite marks the template vi emits next as a fault site meaning
// trap code. Its offset and position go to Compiled.FaultSites, where the
// runtime looks up a faulting PC: the mark must come right before the one
// instruction that faults, and nothing may come between them (a label
// bound twice fails the compilation, so the template is never copied).
// The mark names the site (its index in faultSites), so emission lists
// the sites in the order of their code (emitter.faults), which is the
// order of their offsets: lowering, which goes backwards in post order,
// made them in an order that took a sort.
func (l *lowerer) faultSite(vi *vinst, code abi.TrapCode) {
	lb := l.asm.NewLabel()
	vi.emit(I(opFaultMark, 0, L(lb), Imm(int64(code)), Imm(int64(len(l.faultSites)))))
	l.faultSites = append(l.faultSites, faultLabel{lb, l.curPos(), code})
}

func lowerLoad(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	m := M(l.addrMode(vi, in.Args[0], in.Offset))
	d := vi.def(l.vreg(in.Results[0]))
	t := l.rtype(in)
	l.markFault(vi, in)
	switch in.Op {
	case ssa.OpLoad:
		vi.emit(loadInst(t, d, m))
	case ssa.OpUload8:
		vi.emit(I(MOVZX8, S32, R(d), m))
	case ssa.OpSload8:
		vi.emit(I(MOVSX8, sizeOf(t), R(d), m))
	case ssa.OpUload16:
		vi.emit(I(MOVZX16, S32, R(d), m))
	case ssa.OpSload16:
		vi.emit(I(MOVSX16, sizeOf(t), R(d), m))
	case ssa.OpUload32:
		vi.emit(I(MOV, S32, R(d), m))
	case ssa.OpSload32:
		vi.emit(I(MOVSXD, S64, R(d), m))
	}
}

// storeImm gives the immediate a store of size bytes of x can encode: the
// constant truncated to the stored width (a narrow store keeps only the low
// bits, and the encoder takes only immediates of the operand's width), or,
// for 64-bit stores, the constant when it fits 32 sign-extended bits.
func storeImm(l *lowerer, x ssa.Value, size Size) (int64, bool) {
	c, ok := l.f.IntConst(x)
	if !ok {
		return 0, false
	}
	switch size {
	case S8:
		return int64(int8(c)), true
	case S16:
		return int64(int16(c)), true
	case S32:
		return int64(int32(c)), true
	}
	return int64(c), int64(c) == int64(int32(c))
}

func lowerStore(l *lowerer, in *ssa.Inst) {
	if lowerStoreLane(l, in) { // store*_lane: a store of an extracted lane
		return
	}
	x := in.Args[0]
	t := l.f.ValueType(x)
	var size Size
	switch in.Op {
	case ssa.OpIstore8:
		size = S8
	case ssa.OpIstore16:
		size = S16
	case ssa.OpIstore32:
		size = S32
	default:
		if t.IsInt() {
			size = sizeOf(t)
		}
	}
	vi := l.newInst()
	m := M(l.addrMode(vi, in.Args[1], in.Offset))
	if size != 0 {
		if c, ok := storeImm(l, x, size); ok {
			l.markFault(vi, in)
			vi.emit(I(MOV, size, m, Imm(c)))
			return
		}
		r := R(vi.use(l.reg(x)))
		l.markFault(vi, in)
		vi.emit(I(MOV, size, m, r))
		return
	}
	r := vi.use(l.reg(x))
	l.markFault(vi, in)
	vi.emit(storeInst(t, m, r))
}
