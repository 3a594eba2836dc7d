package amd64

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// Integer arithmetic, logic, shifts, bit counts and comparisons.

// defOf is the instruction defining v, or nil for a block parameter.
func (l *lowerer) defOf(v ssa.Value) *ssa.Inst {
	in, _ := l.f.ValueInst(v)
	return in
}

// immOf reports v as an immediate for an operation of type t: an iconst
// that fits the instruction's 32-bit immediate (sign-extended for i64).
func (l *lowerer) immOf(v ssa.Value, t ssa.Type) (int64, bool) {
	c, ok := l.f.IntConst(v)
	if !ok {
		return 0, false
	}
	if t == ssa.I64 {
		if int64(c) != int64(int32(c)) {
			return 0, false
		}
		return int64(c), true
	}
	return int64(int32(c)), true
}

// lowerIconst lowers a constant at its definition, which happens only if
// something marked it used there: readers get their own copies
// (lower_remat.go), so in practice nothing does.
func lowerIconst(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	l.emitConst(vi, vi.def(l.vreg(in.Results[0])), in)
}

// scaledIndex matches "ishl z, k" of type t with k in 1..3: z times 2^k.
func (l *lowerer) scaledIndex(v ssa.Value, t ssa.Type) (ssa.Value, uint8, bool) {
	d := l.defOf(v)
	if d == nil || d.Op != ssa.OpIshl || l.rtype(d) != t {
		return 0, 0, false
	}
	k, ok := l.f.IntConst(d.Args[1])
	if !ok || k < 1 || k > 3 {
		return 0, 0, false
	}
	return d.Args[0], 1 << k, true
}

func lowerIadd(l *lowerer, in *ssa.Inst) {
	if addCarry(l, in) {
		return
	}
	x, y := in.Args[0], in.Args[1]
	t := l.rtype(in)
	if _, ok := l.immOf(x, t); ok {
		x, y = y, x
	}
	// x + z<<k (k in 1..3) and z<<k + c are one lea each; for i32, the
	// low half of the 64-bit sum depends only on the operands' low halves,
	// whatever lies above.
	vi := l.newInst()
	var m Mem
	if c, ok := l.immOf(y, t); ok {
		if z, s, ok := l.scaledIndex(x, t); ok {
			m = Mem{Index: vi.use(l.reg(z)), Scale: s, Disp: int32(c)}
		} else {
			m = Mem{Base: vi.use(l.reg(x)), Disp: int32(c)}
		}
	} else {
		if _, _, ok := l.scaledIndex(x, t); ok {
			x, y = y, x // the shifted operand second
		}
		if z, s, ok := l.scaledIndex(y, t); ok {
			m = Mem{Base: vi.use(l.reg(x)), Index: vi.use(l.reg(z)), Scale: s}
		} else {
			m = Mem{Base: vi.use(l.reg(x)), Index: vi.use(l.reg(y))}
		}
	}
	d := vi.def(l.vreg(in.Results[0]))
	vi.emit(I(LEA, sizeOf(l.rtype(in)), R(d), M(m)))
}

// addCarry lowers x + (a <u b), and the other unsigned compares, as the
// compare and an add of its carry flag (adc d, 0; for a >=u b, sbb d, -1
// adds 1 - CF) instead of setcc into a zeroed register and an add: the
// counting idiom of C's `n += c < k`. The compare must have no other use.
func addCarry(l *lowerer, in *ssa.Inst) bool {
	if l.rtype(in) != ssa.I32 {
		return false
	}
	for k := range 2 {
		x, c := in.Args[1-k], in.Args[k]
		cc, ok := l.carryCompare(c)
		if !ok {
			continue
		}
		vi := l.newInst()
		size := sizeOf(l.f.ValueType(cc.a))
		ar := vi.use(l.reg(cc.a))
		if cc.isImm {
			vi.emit(I(CMP, size, R(ar), Imm(cc.imm)))
		} else {
			vi.emit(I(CMP, size, R(ar), R(vi.useRM(l.reg(cc.b)))))
		}
		d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(x)))
		if cc.complement {
			vi.emit(I(SBB, S32, R(d), Imm(-1)))
		} else {
			vi.emit(I(ADC, S32, R(d), Imm(0)))
		}
		return true
	}
	return false
}

// carryCmp is a cmp of a with b (or the immediate imm) whose carry flag is
// a compare's result, or with complement its negation.
type carryCmp struct {
	a, b              ssa.Value
	imm               int64
	isImm, complement bool
}

// carryCompare matches c, an unsigned icmp with no other use, as a
// carryCmp: a <u b is the carry of cmp a, b and a >=u b its complement;
// a >u b is b <u a, or with a constant a >=u b+1 (a register stays first).
func (l *lowerer) carryCompare(c ssa.Value) (carryCmp, bool) {
	d := l.defOf(c)
	if d == nil || d.Op != ssa.OpIcmp || l.useCount(c) != 1 {
		return carryCmp{}, false
	}
	a, b, cc := d.Args[0], d.Args[1], d.IntCC
	t := l.f.ValueType(a)
	if _, ok := l.immOf(a, t); ok {
		a, b, cc = b, a, cc.Swap()
	}
	if _, ok := l.immOf(a, t); ok {
		return carryCmp{}, false // two constants: left to folding
	}
	k, isImm := l.immOf(b, t)
	r := carryCmp{a: a, b: b, imm: k, isImm: isImm}
	switch cc {
	case ssa.IntULT:
	case ssa.IntUGE:
		r.complement = true
	case ssa.IntUGT, ssa.IntULE:
		if !isImm {
			// b <u a, or its complement.
			r.a, r.b, r.complement = b, a, cc == ssa.IntULE
			break
		}
		// a >u k is a >=u k+1, when k+1 neither wraps nor leaves the
		// sign-extended imm32 (k is sign-extended to the compare's width).
		if k == math.MaxInt32 || k == -1 {
			return carryCmp{}, false
		}
		r.imm, r.complement = k+1, cc == ssa.IntUGT
	default:
		return carryCmp{}, false
	}
	return r, true
}

func lowerIsub(l *lowerer, in *ssa.Inst) {
	x, y := in.Args[0], in.Args[1]
	size := sizeOf(l.rtype(in))
	if c, ok := l.immOf(y, l.rtype(in)); ok && c != math.MinInt32 {
		vi := l.newInst()
		b := vi.use(l.reg(x))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(LEA, size, R(d), M(Mem{Base: b, Disp: int32(-c)})))
		return
	}
	if c, ok := l.f.IntConst(x); ok && c == 0 {
		vi := l.newInst()
		d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(y)))
		vi.emit(I(NEG, size, R(d)))
		return
	}
	twoAddress(l, SUB, l.rtype(in), in.Results[0], x, y)
}

// twoAddress lowers "d = x op y" as "d = x; op d, y" with an immediate or a
// register-or-stack y.
func twoAddress(l *lowerer, op Op, t ssa.Type, res, x, y ssa.Value) {
	vi := l.newInst()
	if c, ok := l.immOf(y, t); ok {
		d := vi.defReuse(l.vreg(res), vi.use(l.plainReg(x)))
		vi.emit(I(op, sizeOf(t), R(d), Imm(c)))
		return
	}
	xr := vi.use(l.plainReg(x))
	yr := vi.useRM(l.reg(y))
	d := vi.defReuse(l.vreg(res), xr)
	vi.emit(I(op, sizeOf(t), R(d), R(yr)))
}

func lowerImul(l *lowerer, in *ssa.Inst) {
	x, y := in.Args[0], in.Args[1]
	if _, ok := l.immOf(x, l.rtype(in)); ok {
		x, y = y, x
	}
	if c, ok := l.immOf(y, l.rtype(in)); ok {
		vi := l.newInst()
		xr := vi.useRM(l.reg(x))
		d := vi.def(l.vreg(in.Results[0]))
		vi.emit(I(IMUL, sizeOf(l.rtype(in)), R(d), R(xr), Imm(c)))
		return
	}
	twoAddress(l, IMUL, l.rtype(in), in.Results[0], x, y)
}

var aluOps = map[ssa.Opcode]Op{ssa.OpBand: AND, ssa.OpBor: OR, ssa.OpBxor: XOR}

func lowerAlu(l *lowerer, in *ssa.Inst) {
	x, y := in.Args[0], in.Args[1]
	if _, ok := l.immOf(x, l.rtype(in)); ok {
		x, y = y, x
	}
	if c, ok := l.immOf(y, l.rtype(in)); ok && c == -1 && in.Op == ssa.OpBxor {
		vi := l.newInst()
		d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(x)))
		vi.emit(I(NOT, sizeOf(l.rtype(in)), R(d)))
		return
	}
	twoAddress(l, aluOps[in.Op], l.rtype(in), in.Results[0], x, y)
}

// lowerDiv: the dividend in RAX, the quotient in RAX and the remainder in
// RDX. RDX is written (cqo or xor) before the divisor is read, so it is an
// early def. The frontend guards zero divisors and signed overflow.
func lowerDiv(l *lowerer, in *ssa.Inst) {
	if lowerDivByConst(l, in) {
		return
	}
	size := sizeOf(l.rtype(in))
	signed := in.Op == ssa.OpSdiv || in.Op == ssa.OpSrem
	rem := in.Op == ssa.OpUrem || in.Op == ssa.OpSrem
	vi := l.newInst()
	vi.useFixed(l.plainReg(in.Args[0]), RAX)
	y := vi.useRM(l.reg(in.Args[1]))
	if rem {
		vi.defFixed(l.vreg(in.Results[0]), RDX, true)
		vi.defFixed(l.temp(backend.ClassInt), RAX, false)
	} else {
		vi.defFixed(l.vreg(in.Results[0]), RAX, false)
		vi.defFixed(l.temp(backend.ClassInt), RDX, true)
	}
	switch {
	case signed && size == S64:
		vi.emit(I(CQO, S64))
	case signed:
		vi.emit(I(CDQ, S32))
	default:
		vi.emit(I(XOR, S32, R(RDX), R(RDX)))
	}
	op := DIV
	if signed {
		op = IDIV
	}
	vi.emit(I(op, size, R(y)))
}

// lowerDivByConst lowers i32 udiv and urem by a constant d > 1 with
// multiplications (Lemire, Kaser and Kurz, "Faster remainder by direct
// computation", 2019): with c = floor((2^64-1)/d) + 1 and x < 2^32,
//
//	x / d = high64(c * x)      x % d = high64(low64(c * x) * d)
//
// exactly, since 64 >= 32 + log2(d). A division costs tens of cycles; this
// is two or three multiplications.
func lowerDivByConst(l *lowerer, in *ssa.Inst) bool {
	if l.rtype(in) != ssa.I32 {
		return false
	}
	if in.Op == ssa.OpSdiv || in.Op == ssa.OpSrem {
		return lowerSdivByConst(l, in)
	}
	d, ok := l.f.IntConst(in.Args[1])
	d = uint64(uint32(d))
	if !ok || d < 2 {
		return false
	}
	c := ^uint64(0)/d + 1
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	vi.defFixed(l.vreg(in.Results[0]), RDX, false)
	vi.defFixed(l.temp(backend.ClassInt), RAX, false)
	vi.emit(I(MOV, S32, R(R11), R(x))) // zero-extends x
	vi.emit(I(MOV, S64, R(RAX), Imm(int64(c))))
	if in.Op == ssa.OpUdiv {
		vi.emit(I(MUL, S64, R(R11)))
		return true
	}
	vi.emit(I(IMUL, S64, R(RAX), R(R11)))
	vi.emit(I(MOV, S32, R(R11), Imm(int64(int32(uint32(d))))))
	vi.emit(I(MUL, S64, R(R11)))
	return true
}

// lowerSdivByConst: i32 sdiv and srem by a constant d with |d| > 1, as the
// unsigned operation on |x| and |d| with the sign put back: the quotient
// is negative when x and d differ in sign, the remainder has x's sign.
// (MIN / -1, the one overflow, needs d = -1, which is not handled here.)
func lowerSdivByConst(l *lowerer, in *ssa.Inst) bool {
	dc, ok := l.f.IntConst(in.Args[1])
	d := int64(int32(uint32(dc)))
	if !ok || d >= -1 && d <= 1 {
		return false
	}
	ad := uint64(d)
	if d < 0 {
		ad = uint64(-d)
	}
	c := ^uint64(0)/ad + 1
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	vi.defFixed(l.vreg(in.Results[0]), RDX, false)
	vi.defFixed(l.temp(backend.ClassInt), RAX, false)
	t := vi.def(l.temp(backend.ClassInt))
	vi.emit(I(MOV, S32, R(RAX), R(x)))
	vi.emit(I(CDQ, S32)) // EDX: all ones when x < 0
	vi.emit(I(XOR, S32, R(RAX), R(RDX)))
	vi.emit(I(SUB, S32, R(RAX), R(RDX))) // |x|, zero-extended
	vi.emit(I(MOV, S32, R(R11), R(RDX)))
	if in.Op == ssa.OpSdiv {
		if d < 0 {
			vi.emit(I(NOT, S32, R(R11)))
		}
		vi.emit(I(MOV, S64, R(t), R(RAX)))
		vi.emit(I(MOV, S64, R(RAX), Imm(int64(c))))
		vi.emit(I(MUL, S64, R(t)))
	} else {
		vi.emit(I(MOV, S64, R(t), Imm(int64(c))))
		vi.emit(I(IMUL, S64, R(t), R(RAX)))
		vi.emit(I(MOV, S32, R(RAX), Imm(int64(int32(uint32(ad))))))
		vi.emit(I(MUL, S64, R(t)))
	}
	// Negate when the sign mask in R11 is all ones.
	vi.emit(I(XOR, S32, R(RDX), R(R11)))
	vi.emit(I(SUB, S32, R(RDX), R(R11)))
	return true
}

var shiftOps = map[ssa.Opcode]Op{ssa.OpIshl: SHL, ssa.OpUshr: SHR, ssa.OpSshr: SAR, ssa.OpRotl: ROL, ssa.OpRotr: ROR}

func lowerShift(l *lowerer, in *ssa.Inst) {
	op, size := shiftOps[in.Op], sizeOf(l.rtype(in))
	vi := l.newInst()
	if c, ok := l.f.IntConst(in.Args[1]); ok && in.Op == ssa.OpIshl && c&uint64(size.Bits()-1) >= 1 && c&uint64(size.Bits()-1) <= 3 {
		// A three-address shift: the source stays where it is.
		x := vi.use(l.reg(in.Args[0]))
		d := vi.def(l.vreg(in.Results[0]))
		m := Mem{Index: x, Scale: 1 << (c & uint64(size.Bits()-1))}
		if m.Scale == 2 {
			m = Mem{Base: x, Index: x, Scale: 1}
		}
		vi.emit(I(LEA, size, R(d), M(m)))
		return
	}
	if c, ok := l.f.IntConst(in.Args[1]); ok {
		d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(in.Args[0])))
		vi.emit(I(op, size, R(d), Imm(int64(c)&int64(size.Bits()-1))))
		return
	}
	x := vi.use(l.plainReg(in.Args[0]))
	vi.useFixed(l.plainReg(in.Args[1]), RCX)
	d := vi.defReuse(l.vreg(in.Results[0]), x)
	vi.emit(I(op, size, R(d), R(RCX)))
}

func lowerBnot(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	d := vi.defReuse(l.vreg(in.Results[0]), vi.use(l.plainReg(in.Args[0])))
	vi.emit(I(NOT, sizeOf(l.rtype(in)), R(d)))
}

var bitCountOps = map[ssa.Opcode]Op{ssa.OpClz: LZCNT, ssa.OpCtz: TZCNT, ssa.OpPopcnt: POPCNT}

func lowerBitCount(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	x := vi.useRM(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	vi.emit(I(bitCountOps[in.Op], sizeOf(l.rtype(in)), R(d), R(x)))
}

func lowerSextendInPlace(l *lowerer, in *ssa.Inst) {
	op := map[ssa.Opcode]Op{ssa.OpSextend8: MOVSX8, ssa.OpSextend16: MOVSX16, ssa.OpSextend32: MOVSXD}[in.Op]
	vi := l.newInst()
	x := vi.use(l.reg(in.Args[0]))
	d := vi.def(l.vreg(in.Results[0]))
	vi.emit(I(op, sizeOf(l.rtype(in)), R(d), R(x)))
}

var intConds = [...]Cond{
	ssa.IntEQ: CondE, ssa.IntNE: CondNE, ssa.IntSLT: CondL, ssa.IntSLE: CondLE, ssa.IntSGT: CondG,
	ssa.IntSGE: CondGE, ssa.IntULT: CondB, ssa.IntULE: CondBE, ssa.IntUGT: CondA, ssa.IntUGE: CondAE,
}

// flagsOf reports the icmp or fcmp defining v, which a branch, select or
// trap can fuse instead of testing a materialised boolean.
func (l *lowerer) flagsOf(v ssa.Value) *ssa.Inst {
	d := l.defOf(v)
	if d != nil && (d.Op == ssa.OpIcmp || d.Op == ssa.OpFcmp) {
		return d
	}
	return nil
}

// emitCompare appends to vi the compare of c (an icmp or fcmp) and returns
// the condition that holds when c is true.
func (l *lowerer) emitCompare(vi *vinst, c *ssa.Inst) (Cond, parityMode) {
	if inner, negate := l.compareOfCompare(c); inner != nil {
		cond, par := l.emitCompare(vi, inner)
		if negate {
			return invertCond(cond, par)
		}
		return cond, par
	}
	x, y := c.Args[0], c.Args[1]
	t := l.f.ValueType(x)
	if c.Op == ssa.OpIcmp {
		cc := c.IntCC
		if _, ok := l.immOf(x, t); ok {
			x, y, cc = y, x, cc.Swap()
		}
		size := sizeOf(t)
		if k, ok := l.immOf(y, t); ok {
			if k == 0 && (cc == ssa.IntEQ || cc == ssa.IntNE) && l.testAnd(vi, x) {
				return intConds[cc], parityNone
			}
			if k == 0 { // test sets the flags of cmp x, 0 (CF = OF = 0)
				xr := vi.use(l.reg(x))
				vi.emit(I(TEST, size, R(xr), R(xr)))
			} else {
				xr := vi.useRM(l.reg(x))
				vi.emit(I(CMP, size, R(xr), Imm(k)))
			}
			return intConds[cc], parityNone
		}
		if l.isMemLen(x) {
			x, y, cc = y, x, cc.Swap()
		}
		if z, ok := l.plusOne(x); ok && cc == ssa.IntUGT {
			// z+1 > y is z >= y when z+1 cannot wrap: a byte access's
			// bounds check without the addition.
			x, cc = z, ssa.IntUGE
		}
		if l.isMemLen(y) {
			xr := vi.use(l.reg(x))
			vi.emit(I(CMP, size, R(xr), M(Mem{Base: ctxReg, Disp: abi.CtxMemoryLen})))
			return intConds[cc], parityNone
		}
		xr := vi.use(l.reg(x))
		yr := vi.useRM(l.reg(y))
		vi.emit(I(CMP, size, R(xr), R(yr)))
		return intConds[cc], parityNone
	}
	op := UCOMISS
	if t == ssa.F64 {
		op = UCOMISD
	}
	swap := c.FloatCC == ssa.FloatLT || c.FloatCC == ssa.FloatLE
	if swap {
		x, y = y, x
	}
	xr := vi.use(l.reg(x))
	yr := vi.useRM(l.reg(y))
	vi.emit(I(op, 0, R(xr), R(yr)))
	switch c.FloatCC {
	case ssa.FloatEQ:
		return CondE, parityAndNP
	case ssa.FloatNE:
		return CondNE, parityOrP
	case ssa.FloatGT, ssa.FloatLT:
		return CondA, parityNone
	}
	return CondAE, parityNone
}

// compareOfCompare matches c = icmp eq/ne x, 0 where x is itself a
// compare (0 or 1): c is x, or x negated, and the flags of x's compare
// serve both, instead of materialising x with setcc and testing it (the
// frontend's lowering of Wasm's i32.eqz of a comparison, and of && and ||).
func (l *lowerer) compareOfCompare(c *ssa.Inst) (inner *ssa.Inst, negate bool) {
	if c.Op != ssa.OpIcmp || (c.IntCC != ssa.IntEQ && c.IntCC != ssa.IntNE) {
		return nil, false
	}
	x, y := c.Args[0], c.Args[1]
	if k, ok := l.f.IntConst(x); ok && k == 0 {
		x, y = y, x
	}
	if k, ok := l.f.IntConst(y); !ok || k != 0 {
		return nil, false
	}
	inner = l.flagsOf(x)
	if inner == nil {
		return nil, false
	}
	return inner, c.IntCC == ssa.IntEQ
}

// invertCond is the branch condition of the negation of (cond, par): for
// the float compares, unordered operands move to the other side.
func invertCond(cond Cond, par parityMode) (Cond, parityMode) {
	switch par {
	case parityAndNP:
		par = parityOrP
	case parityOrP:
		par = parityAndNP
	}
	return cond.Invert(), par
}

// isMemLen reports whether v is a load of memory 0's length from the
// context. A bounds check then compares with the context word itself
// instead of keeping the length in a register: the word only changes when
// memory grows, after which the frontend loads the length again, so the
// word and the value agree wherever the value is used.
func (l *lowerer) isMemLen(v ssa.Value) bool {
	d := l.defOf(v)
	return d != nil && d.Op == ssa.OpLoad && d.Args[0] == l.ctx && d.Offset == abi.CtxMemoryLen &&
		l.f.ValueType(v) == ssa.I64
}

// plusOne matches v = iadd z, 1 with z a zero-extended i32 (so that the
// i64 addition never wraps).
func (l *lowerer) plusOne(v ssa.Value) (ssa.Value, bool) {
	d := l.defOf(v)
	if d == nil || d.Op != ssa.OpIadd || l.rtype(d) != ssa.I64 {
		return ssa.NoValue, false
	}
	z, one := d.Args[0], d.Args[1]
	if c, ok := l.f.IntConst(z); ok && c == 1 {
		z, one = one, z
	}
	if c, ok := l.f.IntConst(one); !ok || c != 1 {
		return ssa.NoValue, false
	}
	if e := l.defOf(z); e == nil || e.Op != ssa.OpUextend {
		return ssa.NoValue, false
	}
	return z, true
}

// testAnd sets ZF for "band x, y == 0" with one test instead of the and
// and a test of its result, when v is such a band.
func (l *lowerer) testAnd(vi *vinst, v ssa.Value) bool {
	d := l.defOf(v)
	if d == nil || d.Op != ssa.OpBand {
		return false
	}
	t := l.f.ValueType(v)
	x, y := d.Args[0], d.Args[1]
	if _, ok := l.immOf(x, t); ok {
		x, y = y, x
	}
	xr := vi.use(l.reg(x))
	if k, ok := l.immOf(y, t); ok {
		vi.emit(I(TEST, sizeOf(t), R(xr), Imm(k)))
		return true
	}
	vi.emit(I(TEST, sizeOf(t), R(xr), R(vi.use(l.reg(y)))))
	return true
}

// lowerCmpValue materialises an icmp or fcmp as 0 or 1.
func lowerCmpValue(l *lowerer, in *ssa.Inst) {
	vi := l.newInst()
	d := vi.defEarly(l.vreg(in.Results[0]))
	vi.emit(I(XOR, S32, R(d), R(d)))
	cond, par := l.emitCompare(vi, in)
	vi.emit(SetCC(cond, d))
	switch par {
	case parityAndNP:
		vi.emit(SetCC(CondNP, R11))
		vi.emit(I(AND, S8, R(d), R(R11)))
	case parityOrP:
		vi.emit(SetCC(CondP, R11))
		vi.emit(I(OR, S8, R(d), R(R11)))
	}
}

// condOf appends to vi what sets the flags for "c != 0" and returns the
// condition, fusing a compare that defines c.
func (l *lowerer) condOf(vi *vinst, c ssa.Value) (Cond, parityMode) {
	if cmp := l.flagsOf(c); cmp != nil {
		return l.emitCompare(vi, cmp)
	}
	if cond, ok := l.vectorTestFlags(vi, c); ok {
		return cond, parityNone
	}
	// Wasm conditions are i32, but trapz/trapnz also test i64 values (a
	// divisor): test the value's full width.
	if l.testAnd(vi, c) {
		return CondNE, parityNone
	}
	size := S32
	if l.f.ValueType(c) == ssa.I64 {
		size = S64
	}
	r := vi.use(l.reg(c))
	vi.emit(I(TEST, size, R(r), R(r)))
	return CondNE, parityNone
}

func lowerSelect(l *lowerer, in *ssa.Inst) {
	c, x, y := in.Args[0], in.Args[1], in.Args[2]
	t := l.rtype(in)
	if t == ssa.TypeInvalid {
		t = l.f.ValueType(in.Results[0])
	}
	vi := l.newInst()
	yr := vi.use(l.plainReg(y))
	var xr Reg
	if classOf(t) == backend.ClassInt {
		xr = vi.useRM(l.reg(x))
	} else {
		xr = vi.use(l.reg(x))
	}
	d := vi.defReuse(l.vreg(in.Results[0]), yr)
	cond, par := l.condOf(vi, c)
	if classOf(t) == backend.ClassInt && par == parityNone {
		vi.emit(CMovCC(cond, sizeOf(t), d, R(xr)))
		return
	}
	skip := l.asm.NewLabel()
	take := l.asm.NewLabel()
	switch par {
	case parityNone:
		vi.emit(Jcc(cond.Invert(), skip))
	case parityAndNP:
		vi.emit(Jcc(CondP, skip))
		vi.emit(Jcc(CondNE, skip))
	case parityOrP:
		vi.emit(Jcc(CondP, take))
		vi.emit(Jcc(CondE, skip))
	}
	vi.emit(I(opBind, 0, L(take)))
	if classOf(t) == backend.ClassInt {
		vi.emit(I(MOV, sizeOf(t), R(d), R(xr)))
	} else {
		vi.emit(I(MOVAPS, 0, R(d), R(xr)))
	}
	vi.emit(I(opBind, 0, L(skip)))
}

// upperZeroOps are the opcodes whose i32 results the lowering computes with
// a 32-bit instruction, which clears the register's upper half (ireduce,
// a plain copy, is not one of them, nor is anything defined by a move).
var upperZeroOps = map[ssa.Opcode]bool{
	ssa.OpIconst: true, ssa.OpIadd: true, ssa.OpIsub: true, ssa.OpImul: true,
	ssa.OpUdiv: true, ssa.OpSdiv: true, ssa.OpUrem: true, ssa.OpSrem: true,
	ssa.OpBand: true, ssa.OpBor: true, ssa.OpBxor: true,
	ssa.OpIshl: true, ssa.OpUshr: true, ssa.OpSshr: true, ssa.OpRotl: true, ssa.OpRotr: true,
	ssa.OpBnot: true, ssa.OpClz: true, ssa.OpCtz: true, ssa.OpPopcnt: true,
	ssa.OpSextend8: true, ssa.OpSextend16: true, ssa.OpIcmp: true,
	ssa.OpLoad: true, ssa.OpUload8: true, ssa.OpSload8: true, ssa.OpUload16: true, ssa.OpSload16: true,
}

// upperZero reports whether i32 value v is known to sit in its register
// zero-extended to 64 bits, so that uextend of it is a plain copy: a
// result of upperZeroOps, or a block parameter only such values reach
// (lower_zext.go).
func (l *lowerer) upperZero(v ssa.Value) bool {
	if int(v) >= 0 && int(v) < len(l.zeroParam) && l.zeroParam[v] {
		return true
	}
	return l.upperZeroInst(v)
}

// upperZeroInst reports whether i32 value v is the result of one of
// upperZeroOps.
func (l *lowerer) upperZeroInst(v ssa.Value) bool {
	d := l.defOf(v)
	return d != nil && upperZeroOps[d.Op] && l.f.ValueType(v) == ssa.I32
}
