package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/frontend/vectormap"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Relaxed SIMD. Each instruction gives the one result moat chose for it
// (internal/interp/simd/relaxed.go): those with a vector opcode of their
// own map one to one (vectormap.RelaxedRows); the others are built from
// the 2.0 opcodes that compute the same bits:
//
//	relaxed_madd a b c       vfadd(vfmul(a, b), c): the product rounded first
//	relaxed_nmadd a b c      vfadd(vfneg(vfmul(a, b)), c)
//	relaxed_min a b          vfmin_pseudo(b, a) = a < b ? a : b
//	relaxed_max a b          vfmax_pseudo(b, a) = a > b ? a : b
//	relaxed_trunc_*_u        vfcvt_to_uint_sat(_zero), as trunc_sat
//	relaxed_dot_..._add_s    viadd(sextadd_pairwise.i32x4(vdot_i8i7(a, b)), c)

var relaxedRules = func() map[wasm.Opcode]vectorRule {
	m := map[wasm.Opcode]vectorRule{}
	for _, row := range vectormap.RelaxedRows {
		for sh, w := range row.By {
			if w != 0 {
				m[w] = vectorRule{row.Op, ssa.Shape(sh), row.CC}
			}
		}
	}
	return m
}()

// relaxedShape is the float shape of madd, nmadd, min and max.
var relaxedShape = map[wasm.Opcode]ssa.Shape{
	wasm.OpF32x4RelaxedMadd: ssa.F32x4, wasm.OpF32x4RelaxedNmadd: ssa.F32x4,
	wasm.OpF64x2RelaxedMadd: ssa.F64x2, wasm.OpF64x2RelaxedNmadd: ssa.F64x2,
	wasm.OpF32x4RelaxedMin: ssa.F32x4, wasm.OpF32x4RelaxedMax: ssa.F32x4,
	wasm.OpF64x2RelaxedMin: ssa.F64x2, wasm.OpF64x2RelaxedMax: ssa.F64x2,
}

// relaxed translates one relaxed SIMD instruction.
func (t *translator) relaxed(in *wasm.Instr) error {
	b := t.b
	sh := relaxedShape[in.Op]
	switch in.Op {
	case wasm.OpF32x4RelaxedMadd, wasm.OpF64x2RelaxedMadd, wasm.OpF32x4RelaxedNmadd, wasm.OpF64x2RelaxedNmadd:
		c, y, x := t.pop(), t.pop(), t.pop()
		p := b.Vector(ssa.OpVfmul, sh, x, y)
		if in.Op == wasm.OpF32x4RelaxedNmadd || in.Op == wasm.OpF64x2RelaxedNmadd {
			p = b.Vector(ssa.OpVfneg, sh, p)
		}
		t.push(b.Vector(ssa.OpVfadd, sh, p, c))
	case wasm.OpF32x4RelaxedMin, wasm.OpF64x2RelaxedMin:
		y, x := t.pop(), t.pop()
		t.push(b.Vector(ssa.OpVfminPseudo, sh, y, x))
	case wasm.OpF32x4RelaxedMax, wasm.OpF64x2RelaxedMax:
		y, x := t.pop(), t.pop()
		t.push(b.Vector(ssa.OpVfmaxPseudo, sh, y, x))
	case wasm.OpI32x4RelaxedTruncF32x4U:
		t.push(b.Vector(ssa.OpVfcvtToUintSat, ssa.I32x4, t.pop()))
	case wasm.OpI32x4RelaxedTruncF64x2UZero:
		t.push(b.Vector(ssa.OpVfcvtToUintSatZero, ssa.I32x4, t.pop()))
	case wasm.OpI32x4RelaxedDotI8x16I7x16AddS:
		c, y, x := t.pop(), t.pop(), t.pop()
		d := b.Vector(ssa.OpVdotI8I7, ssa.I16x8, x, y)
		d = b.Vector(ssa.OpSextaddPairw, ssa.I32x4, d)
		t.push(b.Vector(ssa.OpViadd, ssa.I32x4, d, c))
	default:
		rule, ok := relaxedRules[in.Op]
		info := in.Op.Info()
		if !ok || info == nil {
			return fmt.Errorf("unsupported instruction %s", in.Op)
		}
		t.push(b.Vector(rule.op, rule.shape, t.popN(len(info.Params))...))
	}
	return nil
}
