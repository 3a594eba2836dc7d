package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// The numeric instructions map one to one onto SSA opcodes whose documented
// semantics are WebAssembly's: shift and rotate counts are taken modulo the
// width, fmin/fmax/nearest/copysign follow the Wasm rules for NaN and ±0,
// and fcvt_to_sint/uint trap with invalid-conversion on NaN and
// integer-overflow out of range. Only division needs explicit guards.

type numKind uint8

const (
	numBinary  numKind = iota // op x, y
	numUnary                  // op x
	numIcmp                   // icmp cc x, y
	numFcmp                   // fcmp cc x, y
	numEqz                    // icmp eq x, 0
	numConvert                // op.T x
	numDiv                    // guarded division or remainder
)

type numRule struct {
	kind numKind
	op   ssa.Opcode
	typ  ssa.Type // operand type (numBinary, numDiv...) or result type (numConvert)
	icc  ssa.IntCC
	fcc  ssa.FloatCC
	// known: the opcode has a rule (in numRules).
	known bool
}

// numRules holds the rules by opcode (numRuleIndex): an array, not a
// map, since every numeric instruction looks its rule up.
var numRules = func() (t [256 + 8]numRule) {
	for op, r := range buildNumRules() {
		i, _ := numRuleIndex(op)
		r.known = true
		t[i] = r
	}
	return t
}()

// numRuleIndex is op's index in numRules: a one-byte opcode itself, the
// saturating truncations (0xFC 0 to 7) after them.
func numRuleIndex(op wasm.Opcode) (int, bool) {
	switch {
	case op < 256:
		return int(op), true
	case op >= wasm.OpI32TruncSatF32S && op <= wasm.OpI64TruncSatF64U:
		return 256 + int(op-wasm.OpI32TruncSatF32S), true
	}
	return 0, false
}

func buildNumRules() map[wasm.Opcode]numRule {
	r := map[wasm.Opcode]numRule{}
	bin := func(t ssa.Type, ops map[wasm.Opcode]ssa.Opcode) {
		for w, s := range ops {
			r[w] = numRule{kind: numBinary, op: s, typ: t}
		}
	}
	un := func(ops map[wasm.Opcode]ssa.Opcode) {
		for w, s := range ops {
			r[w] = numRule{kind: numUnary, op: s}
		}
	}
	bin(ssa.I32, map[wasm.Opcode]ssa.Opcode{wasm.OpI32Add: ssa.OpIadd, wasm.OpI32Sub: ssa.OpIsub, wasm.OpI32Mul: ssa.OpImul,
		wasm.OpI32And: ssa.OpBand, wasm.OpI32Or: ssa.OpBor, wasm.OpI32Xor: ssa.OpBxor, wasm.OpI32Shl: ssa.OpIshl,
		wasm.OpI32ShrS: ssa.OpSshr, wasm.OpI32ShrU: ssa.OpUshr, wasm.OpI32Rotl: ssa.OpRotl, wasm.OpI32Rotr: ssa.OpRotr})
	bin(ssa.I64, map[wasm.Opcode]ssa.Opcode{wasm.OpI64Add: ssa.OpIadd, wasm.OpI64Sub: ssa.OpIsub, wasm.OpI64Mul: ssa.OpImul,
		wasm.OpI64And: ssa.OpBand, wasm.OpI64Or: ssa.OpBor, wasm.OpI64Xor: ssa.OpBxor, wasm.OpI64Shl: ssa.OpIshl,
		wasm.OpI64ShrS: ssa.OpSshr, wasm.OpI64ShrU: ssa.OpUshr, wasm.OpI64Rotl: ssa.OpRotl, wasm.OpI64Rotr: ssa.OpRotr})
	bin(ssa.F32, map[wasm.Opcode]ssa.Opcode{wasm.OpF32Add: ssa.OpFadd, wasm.OpF32Sub: ssa.OpFsub, wasm.OpF32Mul: ssa.OpFmul,
		wasm.OpF32Div: ssa.OpFdiv, wasm.OpF32Min: ssa.OpFmin, wasm.OpF32Max: ssa.OpFmax, wasm.OpF32Copysign: ssa.OpFcopysign})
	bin(ssa.F64, map[wasm.Opcode]ssa.Opcode{wasm.OpF64Add: ssa.OpFadd, wasm.OpF64Sub: ssa.OpFsub, wasm.OpF64Mul: ssa.OpFmul,
		wasm.OpF64Div: ssa.OpFdiv, wasm.OpF64Min: ssa.OpFmin, wasm.OpF64Max: ssa.OpFmax, wasm.OpF64Copysign: ssa.OpFcopysign})
	un(map[wasm.Opcode]ssa.Opcode{wasm.OpI32Clz: ssa.OpClz, wasm.OpI32Ctz: ssa.OpCtz, wasm.OpI32Popcnt: ssa.OpPopcnt,
		wasm.OpI64Clz: ssa.OpClz, wasm.OpI64Ctz: ssa.OpCtz, wasm.OpI64Popcnt: ssa.OpPopcnt,
		wasm.OpI32Extend8S: ssa.OpSextend8, wasm.OpI32Extend16S: ssa.OpSextend16,
		wasm.OpI64Extend8S: ssa.OpSextend8, wasm.OpI64Extend16S: ssa.OpSextend16, wasm.OpI64Extend32S: ssa.OpSextend32,
		wasm.OpF32Abs: ssa.OpFabs, wasm.OpF32Neg: ssa.OpFneg, wasm.OpF32Ceil: ssa.OpCeil, wasm.OpF32Floor: ssa.OpFloor,
		wasm.OpF32Trunc: ssa.OpTrunc, wasm.OpF32Nearest: ssa.OpNearest, wasm.OpF32Sqrt: ssa.OpSqrt,
		wasm.OpF64Abs: ssa.OpFabs, wasm.OpF64Neg: ssa.OpFneg, wasm.OpF64Ceil: ssa.OpCeil, wasm.OpF64Floor: ssa.OpFloor,
		wasm.OpF64Trunc: ssa.OpTrunc, wasm.OpF64Nearest: ssa.OpNearest, wasm.OpF64Sqrt: ssa.OpSqrt})

	icmps := []ssa.IntCC{ssa.IntEQ, ssa.IntNE, ssa.IntSLT, ssa.IntULT, ssa.IntSGT, ssa.IntUGT, ssa.IntSLE, ssa.IntULE, ssa.IntSGE, ssa.IntUGE}
	for i, cc := range icmps {
		r[wasm.OpI32Eq+wasm.Opcode(i)] = numRule{kind: numIcmp, icc: cc}
		r[wasm.OpI64Eq+wasm.Opcode(i)] = numRule{kind: numIcmp, icc: cc}
	}
	r[wasm.OpI32Eqz] = numRule{kind: numEqz, typ: ssa.I32}
	r[wasm.OpI64Eqz] = numRule{kind: numEqz, typ: ssa.I64}
	fcmps := []ssa.FloatCC{ssa.FloatEQ, ssa.FloatNE, ssa.FloatLT, ssa.FloatGT, ssa.FloatLE, ssa.FloatGE}
	for i, cc := range fcmps {
		r[wasm.OpF32Eq+wasm.Opcode(i)] = numRule{kind: numFcmp, fcc: cc}
		r[wasm.OpF64Eq+wasm.Opcode(i)] = numRule{kind: numFcmp, fcc: cc}
	}

	divs := map[wasm.Opcode]numRule{
		wasm.OpI32DivS: {op: ssa.OpSdiv, typ: ssa.I32}, wasm.OpI32DivU: {op: ssa.OpUdiv, typ: ssa.I32},
		wasm.OpI32RemS: {op: ssa.OpSrem, typ: ssa.I32}, wasm.OpI32RemU: {op: ssa.OpUrem, typ: ssa.I32},
		wasm.OpI64DivS: {op: ssa.OpSdiv, typ: ssa.I64}, wasm.OpI64DivU: {op: ssa.OpUdiv, typ: ssa.I64},
		wasm.OpI64RemS: {op: ssa.OpSrem, typ: ssa.I64}, wasm.OpI64RemU: {op: ssa.OpUrem, typ: ssa.I64},
	}
	for w, d := range divs {
		d.kind = numDiv
		r[w] = d
	}

	conv := func(w wasm.Opcode, op ssa.Opcode, to ssa.Type) { r[w] = numRule{kind: numConvert, op: op, typ: to} }
	conv(wasm.OpI32WrapI64, ssa.OpIreduce, ssa.I32)
	conv(wasm.OpI64ExtendI32S, ssa.OpSextend, ssa.I64)
	conv(wasm.OpI64ExtendI32U, ssa.OpUextend, ssa.I64)
	for _, c := range []struct {
		s, u, sats, satu wasm.Opcode
		to               ssa.Type
	}{
		{wasm.OpI32TruncF32S, wasm.OpI32TruncF32U, wasm.OpI32TruncSatF32S, wasm.OpI32TruncSatF32U, ssa.I32},
		{wasm.OpI32TruncF64S, wasm.OpI32TruncF64U, wasm.OpI32TruncSatF64S, wasm.OpI32TruncSatF64U, ssa.I32},
		{wasm.OpI64TruncF32S, wasm.OpI64TruncF32U, wasm.OpI64TruncSatF32S, wasm.OpI64TruncSatF32U, ssa.I64},
		{wasm.OpI64TruncF64S, wasm.OpI64TruncF64U, wasm.OpI64TruncSatF64S, wasm.OpI64TruncSatF64U, ssa.I64},
	} {
		conv(c.s, ssa.OpFcvtToSint, c.to)
		conv(c.u, ssa.OpFcvtToUint, c.to)
		conv(c.sats, ssa.OpFcvtToSintSat, c.to)
		conv(c.satu, ssa.OpFcvtToUintSat, c.to)
	}
	conv(wasm.OpF32ConvertI32S, ssa.OpFcvtFromSint, ssa.F32)
	conv(wasm.OpF32ConvertI32U, ssa.OpFcvtFromUint, ssa.F32)
	conv(wasm.OpF32ConvertI64S, ssa.OpFcvtFromSint, ssa.F32)
	conv(wasm.OpF32ConvertI64U, ssa.OpFcvtFromUint, ssa.F32)
	conv(wasm.OpF64ConvertI32S, ssa.OpFcvtFromSint, ssa.F64)
	conv(wasm.OpF64ConvertI32U, ssa.OpFcvtFromUint, ssa.F64)
	conv(wasm.OpF64ConvertI64S, ssa.OpFcvtFromSint, ssa.F64)
	conv(wasm.OpF64ConvertI64U, ssa.OpFcvtFromUint, ssa.F64)
	conv(wasm.OpF32DemoteF64, ssa.OpFdemote, ssa.F32)
	conv(wasm.OpF64PromoteF32, ssa.OpFpromote, ssa.F64)
	conv(wasm.OpI32ReinterpretF32, ssa.OpBitcast, ssa.I32)
	conv(wasm.OpI64ReinterpretF64, ssa.OpBitcast, ssa.I64)
	conv(wasm.OpF32ReinterpretI32, ssa.OpBitcast, ssa.F32)
	conv(wasm.OpF64ReinterpretI64, ssa.OpBitcast, ssa.F64)
	return r
}

// numeric translates a comparison, arithmetic or conversion instruction.
func (t *translator) numeric(in *wasm.Instr) error { return t.numericOp(in.Op) }

// numericOp translates the comparison, arithmetic or conversion op.
func (t *translator) numericOp(op wasm.Opcode) error {
	i, ok := numRuleIndex(op)
	rule := &numRules[i]
	if !ok || !rule.known {
		return fmt.Errorf("unsupported instruction %s", op)
	}
	b := t.b
	switch rule.kind {
	case numBinary:
		y := t.pop()
		x := t.pop()
		t.push(b.Binary(rule.op, x, y))
	case numUnary:
		t.push(b.Unary(rule.op, t.pop()))
	case numIcmp:
		y := t.pop()
		x := t.pop()
		t.push(b.Icmp(rule.icc, x, y))
	case numFcmp:
		y := t.pop()
		x := t.pop()
		t.push(b.Fcmp(rule.fcc, x, y))
	case numEqz:
		t.push(b.Icmp(ssa.IntEQ, t.pop(), b.Iconst(rule.typ, 0)))
	case numConvert:
		t.push(b.Convert(rule.op, rule.typ, t.pop()))
	case numDiv:
		y := t.pop()
		x := t.pop()
		t.push(t.division(rule.op, rule.typ, x, y))
	}
	return nil
}

// division emits a division or remainder with WebAssembly's traps made
// explicit: a zero divisor traps; signed MIN / -1 overflows and traps;
// signed MIN % -1 is 0, which the guard below obtains by dividing by 1
// instead, so no machine instruction ever sees the faulting operands.
func (t *translator) division(op ssa.Opcode, ty ssa.Type, x, y ssa.Value) ssa.Value {
	b := t.b
	b.Trapz(y, abi.TrapIntegerDivideByZero)
	switch op {
	case ssa.OpSdiv:
		minInt := int64(-1) << 63
		if ty == ssa.I32 {
			minInt = -1 << 31
		}
		overflow := b.Band(b.Icmp(ssa.IntEQ, x, b.Iconst(ty, minInt)), b.Icmp(ssa.IntEQ, y, b.Iconst(ty, -1)))
		b.Trapnz(overflow, abi.TrapIntegerOverflow)
	case ssa.OpSrem:
		y = b.Select(b.Icmp(ssa.IntEQ, y, b.Iconst(ty, -1)), b.Iconst(ty, 1), y)
	}
	return b.Binary(op, x, y)
}
