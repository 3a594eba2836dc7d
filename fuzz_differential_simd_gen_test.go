package moat_test

import (
	"fmt"
	"strings"
)

// The v128 part of genModule. Vector values live in the locals $v0/$v1 and
// in expressions; they reach the observable state through lane
// extraction, any_true/all_true/bitmask, and stores. Float lane arithmetic
// may produce NaNs whose bits the spec leaves open, so every float vector
// operation's result is canonicalised at once (vcanon), and float scalars
// entering a vector are canonicalised first (canon), as for scalar code.

var (
	intShapes   = []string{"i8x16", "i16x8", "i32x4", "i64x2"}
	floatShapes = []string{"f32x4", "f64x2"}
	laneCount   = map[string]int{"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}
	laneType    = map[string]valType{"i8x16": tI32, "i16x8": tI32, "i32x4": tI32, "i64x2": tI64, "f32x4": tF32, "f64x2": tF64}

	// Integer lane operations by shape: binary ones take two vectors.
	vecIntBinary = map[string][]string{
		"i8x16": {"add", "sub", "add_sat_s", "add_sat_u", "sub_sat_s", "sub_sat_u", "min_s", "min_u", "max_s", "max_u", "avgr_u",
			"eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u", "narrow_i16x8_s", "narrow_i16x8_u", "swizzle"},
		"i16x8": {"add", "sub", "mul", "add_sat_s", "add_sat_u", "sub_sat_s", "sub_sat_u", "min_s", "min_u", "max_s", "max_u", "avgr_u",
			"q15mulr_sat_s", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
			"narrow_i32x4_s", "narrow_i32x4_u", "extmul_low_i8x16_s", "extmul_high_i8x16_s", "extmul_low_i8x16_u", "extmul_high_i8x16_u"},
		"i32x4": {"add", "sub", "mul", "min_s", "min_u", "max_s", "max_u", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
			"dot_i16x8_s", "extmul_low_i16x8_s", "extmul_high_i16x8_s", "extmul_low_i16x8_u", "extmul_high_i16x8_u"},
		"i64x2": {"add", "sub", "mul", "eq", "ne", "lt_s", "gt_s", "le_s", "ge_s",
			"extmul_low_i32x4_s", "extmul_high_i32x4_s", "extmul_low_i32x4_u", "extmul_high_i32x4_u"},
	}
	vecIntUnary = map[string][]string{
		"i8x16": {"abs", "neg", "popcnt"},
		"i16x8": {"abs", "neg", "extend_low_i8x16_s", "extend_high_i8x16_s", "extend_low_i8x16_u", "extend_high_i8x16_u",
			"extadd_pairwise_i8x16_s", "extadd_pairwise_i8x16_u"},
		"i32x4": {"abs", "neg", "extend_low_i16x8_s", "extend_high_i16x8_s", "extend_low_i16x8_u", "extend_high_i16x8_u",
			"extadd_pairwise_i16x8_s", "extadd_pairwise_i16x8_u",
			"trunc_sat_f32x4_s", "trunc_sat_f32x4_u", "trunc_sat_f64x2_s_zero", "trunc_sat_f64x2_u_zero"},
		"i64x2": {"abs", "neg", "extend_low_i32x4_s", "extend_high_i32x4_s", "extend_low_i32x4_u", "extend_high_i32x4_u"},
	}
	vecFloatBinary = []string{"add", "sub", "mul", "div", "min", "max", "pmin", "pmax"}
	vecFloatUnary  = map[string][]string{
		"f32x4": {"abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest", "convert_i32x4_s", "convert_i32x4_u", "demote_f64x2_zero"},
		"f64x2": {"abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest", "convert_low_i32x4_s", "convert_low_i32x4_u", "promote_low_f32x4"},
	}
	vecFloatCompare = []string{"eq", "ne", "lt", "gt", "le", "ge"}

	vecLoads = []memOp{
		{"v128.load", "", 16}, {"v128.load8x8_s", "", 8}, {"v128.load8x8_u", "", 8}, {"v128.load16x4_s", "", 8},
		{"v128.load16x4_u", "", 8}, {"v128.load32x2_s", "", 8}, {"v128.load32x2_u", "", 8},
		{"v128.load8_splat", "", 1}, {"v128.load16_splat", "", 2}, {"v128.load32_splat", "", 4}, {"v128.load64_splat", "", 8},
		{"v128.load32_zero", "", 4}, {"v128.load64_zero", "", 8},
	}
	vecLanes = []memOp{{"8", "", 1}, {"16", "", 2}, {"32", "", 4}, {"64", "", 8}}
)

// vector returns an expression pushing one v128.
func (g *gen) vector(depth int) string {
	g.budget--
	if depth <= 0 || g.budget <= 0 {
		return g.vectorLeaf()
	}
	d := depth - 1
	switch g.n(15) {
	case 14:
		if g.v3 {
			return g.relaxedVector(d)
		}
		return g.vectorLeaf()
	case 0, 1:
		return g.vectorLeaf()
	case 2:
		sh := append(intShapes[:4:4], floatShapes...)[g.n(6)]
		return fmt.Sprintf("(%s.splat %s)", sh, g.canon(laneType[sh], d))
	case 3, 4:
		sh := intShapes[g.n(4)]
		ops := vecIntBinary[sh]
		return fmt.Sprintf("(%s.%s %s %s)", sh, ops[g.n(len(ops))], g.vector(d), g.vector(d))
	case 5:
		sh := intShapes[g.n(4)]
		ops := vecIntUnary[sh]
		return fmt.Sprintf("(%s.%s %s)", sh, ops[g.n(len(ops))], g.vector(d))
	case 6:
		sh := intShapes[g.n(4)]
		op := []string{"shl", "shr_s", "shr_u"}[g.n(3)]
		return fmt.Sprintf("(%s.%s %s %s)", sh, op, g.vector(d), g.expr(tI32, d))
	case 7:
		sh := floatShapes[g.n(2)]
		return g.vcanon(sh, fmt.Sprintf("(%s.%s %s %s)", sh, vecFloatBinary[g.n(len(vecFloatBinary))], g.vector(d), g.vector(d)))
	case 8:
		sh := floatShapes[g.n(2)]
		ops := vecFloatUnary[sh]
		return g.vcanon(sh, fmt.Sprintf("(%s.%s %s)", sh, ops[g.n(len(ops))], g.vector(d)))
	case 9:
		sh := floatShapes[g.n(2)]
		return fmt.Sprintf("(%s.%s %s %s)", sh, vecFloatCompare[g.n(len(vecFloatCompare))], g.vector(d), g.vector(d))
	case 10:
		switch g.n(5) {
		case 0:
			return fmt.Sprintf("(v128.not %s)", g.vector(d))
		case 1:
			return fmt.Sprintf("(v128.bitselect %s %s %s)", g.vector(d), g.vector(d), g.vector(d))
		}
		return fmt.Sprintf("(v128.%s %s %s)", []string{"and", "or", "xor", "andnot"}[g.n(4)], g.vector(d), g.vector(d))
	case 11:
		var lanes []string
		for range 16 {
			lanes = append(lanes, fmt.Sprint(g.n(32)))
		}
		return fmt.Sprintf("(i8x16.shuffle %s %s %s)", strings.Join(lanes, " "), g.vector(d), g.vector(d))
	case 12:
		sh := append(intShapes[:4:4], floatShapes...)[g.n(6)]
		v := g.canon(laneType[sh], d) // canon leaves integers alone
		return fmt.Sprintf("(%s.replace_lane %d %s %s)", sh, g.n(laneCount[sh]), g.vector(d), v)
	default:
		return g.vectorLoad(depth)
	}
}

// vcanon replaces NaN lanes of a float vector by the canonical NaN.
func (g *gen) vcanon(shape, e string) string {
	nan := "(v128.const f32x4 nan nan nan nan)"
	if shape == "f64x2" {
		nan = "(v128.const f64x2 nan nan)"
	}
	return fmt.Sprintf("(v128.bitselect %s (local.tee $sv %s) (%s.ne (local.get $sv) (local.get $sv)))", nan, e, shape)
}

func (g *gen) vectorLeaf() string {
	if g.n(3) == 0 {
		return fmt.Sprintf("(local.get $v%d)", g.n(2))
	}
	var b strings.Builder
	b.WriteString("(v128.const i8x16")
	for range 16 {
		v := g.byte()
		if g.n(2) == 0 {
			v = []byte{0, 0xff, 0x80, 0x7f, 1}[g.n(5)]
		}
		fmt.Fprintf(&b, " %d", int8(v))
	}
	return b.String() + ")"
}

func (g *gen) vectorLoad(depth int) string {
	if g.n(3) == 0 {
		l := vecLanes[g.n(4)]
		return fmt.Sprintf("(v128.load%s_lane%s %d %s %s)", l.name, g.memarg(l.size), g.n(16/l.size), g.address(depth), g.vector(depth-1))
	}
	op := vecLoads[g.n(len(vecLoads))]
	return fmt.Sprintf("(%s%s %s)", op.name, g.memarg(op.size), g.address(depth))
}

// vectorStmt sets a vector local or stores a vector (or one lane).
func (g *gen) vectorStmt(depth int) string {
	switch g.n(3) {
	case 0:
		return fmt.Sprintf("(local.set $v%d %s)", g.n(2), g.vector(depth-1))
	case 1:
		l := vecLanes[g.n(4)]
		return fmt.Sprintf("(v128.store%s_lane%s %d %s %s)", l.name, g.memarg(l.size), g.n(16/l.size), g.address(depth), g.vector(depth-1))
	}
	return fmt.Sprintf("(v128.store%s %s %s)", g.memarg(16), g.address(depth), g.vector(depth-1))
}

// fromVector computes a scalar of type t from a vector.
func (g *gen) fromVector(t valType, d int) string {
	switch t {
	case tI32:
		switch g.n(6) {
		case 0:
			return fmt.Sprintf("(v128.any_true %s)", g.vector(d))
		case 1:
			return fmt.Sprintf("(%s.all_true %s)", intShapes[g.n(4)], g.vector(d))
		case 2:
			return fmt.Sprintf("(%s.bitmask %s)", intShapes[g.n(4)], g.vector(d))
		case 3:
			sh := []string{"i8x16", "i16x8"}[g.n(2)]
			return fmt.Sprintf("(%s.extract_lane_%s %d %s)", sh, []string{"s", "u"}[g.n(2)], g.n(laneCount[sh]), g.vector(d))
		}
		return fmt.Sprintf("(i32x4.extract_lane %d %s)", g.n(4), g.vector(d))
	case tI64:
		return fmt.Sprintf("(i64x2.extract_lane %d %s)", g.n(2), g.vector(d))
	case tF32:
		return fmt.Sprintf("(f32x4.extract_lane %d %s)", g.n(4), g.vector(d))
	}
	return fmt.Sprintf("(f64x2.extract_lane %d %s)", g.n(2), g.vector(d))
}

// relaxedVector is a relaxed SIMD instruction (a 3.0 module's): both
// engines must give the one result moat chose, float NaNs aside.
func (g *gen) relaxedVector(d int) string {
	switch g.n(8) {
	case 0:
		return fmt.Sprintf("(i8x16.relaxed_swizzle %s %s)", g.vector(d), g.vector(d))
	case 1:
		op := []string{"relaxed_trunc_f32x4_s", "relaxed_trunc_f32x4_u", "relaxed_trunc_f64x2_s_zero", "relaxed_trunc_f64x2_u_zero"}[g.n(4)]
		return fmt.Sprintf("(i32x4.%s %s)", op, g.vector(d))
	case 2:
		sh := floatShapes[g.n(2)]
		op := []string{"relaxed_madd", "relaxed_nmadd"}[g.n(2)]
		return g.vcanon(sh, fmt.Sprintf("(%s.%s %s %s %s)", sh, op, g.vector(d), g.vector(d), g.vector(d)))
	case 3:
		sh := floatShapes[g.n(2)]
		op := []string{"relaxed_min", "relaxed_max"}[g.n(2)]
		return g.vcanon(sh, fmt.Sprintf("(%s.%s %s %s)", sh, op, g.vector(d), g.vector(d)))
	case 4:
		return fmt.Sprintf("(%s.relaxed_laneselect %s %s %s)", intShapes[g.n(4)], g.vector(d), g.vector(d), g.vector(d))
	case 5:
		return fmt.Sprintf("(i16x8.relaxed_q15mulr_s %s %s)", g.vector(d), g.vector(d))
	case 6:
		return fmt.Sprintf("(i16x8.relaxed_dot_i8x16_i7x16_s %s %s)", g.vector(d), g.vector(d))
	}
	return fmt.Sprintf("(i32x4.relaxed_dot_i8x16_i7x16_add_s %s %s %s)", g.vector(d), g.vector(d), g.vector(d))
}
