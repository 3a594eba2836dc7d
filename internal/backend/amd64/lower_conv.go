package amd64

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Integer width changes and float<->int conversions.

// lowerExtend: a 32-bit mov zero-extends; movsxd sign-extends.
func lowerExtend(l *lowerer, in *ssa.Inst) {
	if in.Op == ssa.OpUextend && l.upperZero(in.Args[0]) {
		lowerIreduce(l, in) // the same plain copy
		return
	}
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	if in.Op == ssa.OpUextend {
		vi.emit(I(MOV, S32, R(d), R(x)))
	} else {
		vi.emit(I(MOVSXD, S64, R(d), R(x)))
	}
}

// lowerIreduce is a plain copy: 32-bit operations ignore the upper half.
func lowerIreduce(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	d := vi.def(l.vreg(in.Results[0])) // IsMove wants the destination first
	x := vi.use(l.plainReg(in.Args[0]))
	vi.move = true
	vi.emit(I(MOV, S64, R(d), R(x)))
}

// fconst is a float constant of type t in the pool.
func (l *lowerer) fconst(t ssa.Type, v float64) Operand {
	if t == ssa.F64 {
		return M(l.asm.ConstF64(math.Float64bits(v)))
	}
	return M(l.asm.ConstF32(math.Float32bits(float32(v))))
}

// lowerFcvtToSint: cvttss2si gives the "integer indefinite" MIN for NaN and
// out-of-range inputs; only when it gives MIN is the input examined.
func lowerFcvtToSint(l *lowerer, in *ssa.Inst) {
	sat := in.Op == ssa.OpFcvtToSintSat
	ft := l.f.ValueType(in.Args[0])
	size := sizeOf(l.rtype(in))
	bits := size.Bits()
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	cvt, ucom := fop(ft, CVTTSS2SI, CVTTSD2SI), fop(ft, UCOMISS, UCOMISD)
	done := l.asm.NewLabel()
	vi.emit(I(cvt, size, R(d), R(x)))
	vi.emit(I(CMP, size, R(d), Imm(1))) // overflows only for MIN
	vi.emit(Jcc(CondNO, done))
	if sat {
		nan := l.asm.NewLabel()
		vi.emit(I(ucom, 0, R(x), R(x)))
		vi.emit(Jcc(CondP, nan))
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, 0)))
		vi.emit(Jcc(CondB, done)) // negative: MIN is right
		vi.emit(I(MOV, size, R(d), Imm(int64(uint64(1)<<(bits-1)-1))))
		vi.emit(Jmp(done))
		vi.emit(I(opBind, 0, L(nan)))
		vi.emit(I(XOR, S32, R(d), R(d)))
		vi.emit(I(opBind, 0, L(done)))
		return
	}
	vi.emit(I(ucom, 0, R(x), R(x)))
	vi.emit(Jcc(CondP, l.trapLabel(abi.TrapInvalidConversion)))
	ovf := l.trapLabel(abi.TrapIntegerOverflow)
	vi.emit(I(ucom, 0, R(x), l.fconst(ft, math.Ldexp(1, bits-1))))
	vi.emit(Jcc(CondAE, ovf))
	if ft == ssa.F64 && bits == 32 {
		// (MIN-1, MIN] truncates to MIN.
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, -math.Ldexp(1, 31)-1)))
		vi.emit(Jcc(CondBE, ovf))
	} else {
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, -math.Ldexp(1, bits-1))))
		vi.emit(Jcc(CondB, ovf))
	}
	vi.emit(I(opBind, 0, L(done)))
}

// lowerFcvtToUint range-checks first: (-1, 2^N) converts (through a 64-bit
// signed conversion, with 2^63 subtracted and the top bit restored for
// inputs of 2^63 and above when N is 64).
func lowerFcvtToUint(l *lowerer, in *ssa.Inst) {
	sat := in.Op == ssa.OpFcvtToUintSat
	ft := l.f.ValueType(in.Args[0])
	bits := sizeOf(l.rtype(in)).Bits()
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	d := vi.defEarly(l.vreg(in.Results[0]))
	var tmp Reg
	if bits == 64 {
		tmp = vi.defEarly(l.temp(backend.ClassFloat))
	}
	cvt, ucom := fop(ft, CVTTSS2SI, CVTTSD2SI), fop(ft, UCOMISS, UCOMISD)
	done := l.asm.NewLabel()
	var low, high Label // where too-small (or NaN) and too-large inputs go
	if sat {
		low, high = done, l.asm.NewLabel()
		vi.emit(I(XOR, S32, R(d), R(d)))
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, 0)))
		vi.emit(Jcc(CondBE, low)) // NaN, negative or zero: 0
	} else {
		high = l.trapLabel(abi.TrapIntegerOverflow)
		vi.emit(I(ucom, 0, R(x), R(x)))
		vi.emit(Jcc(CondP, l.trapLabel(abi.TrapInvalidConversion)))
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, -1)))
		vi.emit(Jcc(CondBE, high))
	}
	vi.emit(I(ucom, 0, R(x), l.fconst(ft, math.Ldexp(1, bits))))
	vi.emit(Jcc(CondAE, high))
	if bits == 32 {
		vi.emit(I(cvt, S64, R(d), R(x)))
	} else {
		big := l.asm.NewLabel()
		vi.emit(I(ucom, 0, R(x), l.fconst(ft, math.Ldexp(1, 63))))
		vi.emit(Jcc(CondAE, big))
		vi.emit(I(cvt, S64, R(d), R(x)))
		vi.emit(Jmp(done))
		vi.emit(I(opBind, 0, L(big)))
		vi.emit(I(MOVAPS, 0, R(tmp), R(x)))
		vi.emit(I(fop(ft, SUBSS, SUBSD), 0, R(tmp), l.fconst(ft, math.Ldexp(1, 63))))
		vi.emit(I(cvt, S64, R(d), R(tmp)))
		vi.emit(I(MOV, S64, R(R11), Imm(math.MinInt64)))
		vi.emit(I(XOR, S64, R(d), R(R11)))
	}
	if sat {
		vi.emit(Jmp(done))
		vi.emit(I(opBind, 0, L(high)))
		vi.emit(I(MOV, sizeOf(l.rtype(in)), R(d), Imm(-1)))
	}
	vi.emit(I(opBind, 0, L(done)))
}

// lowerFcvtFromInt: cvtsi2ss/sd converts signed integers; an unsigned i32
// is zero-extended and converted as an i64; an unsigned i64 with the top
// bit set is halved (keeping the low bit, so rounding stays exact),
// converted and doubled.
func lowerFcvtFromInt(l *lowerer, in *ssa.Inst) {
	it := l.f.ValueType(in.Args[0])
	cvt := fop(l.rtype(in), CVTSI2SS, CVTSI2SD)
	vi := l.newInst()
	if in.Op == ssa.OpFcvtFromSint {
		x := vi.useRM(l.reg(in.Args[0]))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(XORPS, 0, R(d), R(d)))
		vi.lastOp().Early = true
		vi.emit(I(cvt, sizeOf(it), R(d), R(x)))
		return
	}
	x := vi.use(l.reg(in.Args[0]))
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(XORPS, 0, R(d), R(d)))
	if it == ssa.I32 {
		vi.emit(I(MOV, S32, R(R11), R(x)))
		vi.emit(I(cvt, S64, R(d), R(R11)))
		return
	}
	big, done := l.asm.NewLabel(), l.asm.NewLabel()
	tmp := vi.defEarly(l.temp(backend.ClassInt))
	vi.emit(I(TEST, S64, R(x), R(x)))
	vi.emit(Jcc(CondS, big))
	vi.emit(I(cvt, S64, R(d), R(x)))
	vi.emit(Jmp(done))
	vi.emit(I(opBind, 0, L(big)))
	vi.emit(I(MOV, S64, R(R11), R(x)))
	vi.emit(I(SHR, S64, R(R11), Imm(1)))
	vi.emit(I(MOV, S64, R(tmp), R(x)))
	vi.emit(I(AND, S64, R(tmp), Imm(1)))
	vi.emit(I(OR, S64, R(R11), R(tmp)))
	vi.emit(I(cvt, S64, R(d), R(R11)))
	vi.emit(I(fop(l.rtype(in), ADDSS, ADDSD), 0, R(d), R(d)))
	vi.emit(I(opBind, 0, L(done)))
}
