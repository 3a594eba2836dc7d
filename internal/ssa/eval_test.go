package ssa

import (
	"math"
	"testing"
)

// TestEvalVectors checks the constant evaluator against hand-computed
// WebAssembly results (the interpreter in these tests shares the
// evaluator, so it needs an independent check).
func TestEvalVectors(t *testing.T) {
	const m32 = 0xffffffff
	ints := []struct {
		op      Opcode
		t       Type
		x, y, r uint64
		ok      bool
	}{
		{OpIadd, I32, m32, 1, 0, true},
		{OpIsub, I32, 0, 1, m32, true},
		{OpImul, I64, 1 << 63, 2, 0, true},
		{OpSdiv, I32, 0xfffffff9, 2, 0xfffffffd, true}, // -7/2 = -3
		{OpSrem, I32, 0xfffffff9, 2, m32, true},        // -7%2 = -1
		{OpSrem, I32, 0x80000000, m32, 0, true},
		{OpSdiv, I32, 0x80000000, m32, 0, false},
		{OpUdiv, I64, 7, 0, 0, false},
		{OpUrem, I32, 0xfffffff9, 2, 1, true},
		{OpIshl, I32, 1, 33, 2, true},
		{OpSshr, I32, 0x80000000, 31, m32, true},
		{OpUshr, I64, 1 << 63, 127, 1, true},
		{OpRotl, I32, 0x80000001, 1, 3, true},
		{OpRotr, I64, 1, 1, 1 << 63, true},
	}
	for _, c := range ints {
		r, ok := EvalIntBinary(c.op, c.t, c.x, c.y)
		if ok != c.ok || ok && r != c.r {
			t.Errorf("%s.%s %#x, %#x = %#x, %v; want %#x, %v", c.op, c.t, c.x, c.y, r, ok, c.r, c.ok)
		}
	}
	unary := []struct {
		op   Opcode
		t    Type
		x, r uint64
	}{
		{OpClz, I32, 0, 32}, {OpClz, I64, 1, 63}, {OpCtz, I32, 0, 32}, {OpCtz, I64, 8, 3},
		{OpPopcnt, I32, m32, 32}, {OpBnot, I32, 0, m32},
		{OpSextend8, I32, 0x80, 0xffffff80}, {OpSextend16, I64, 0x7fff, 0x7fff}, {OpSextend32, I64, 0x80000000, 0xffffffff80000000},
	}
	for _, c := range unary {
		if r, ok := EvalIntUnary(c.op, c.t, c.x); !ok || r != c.r {
			t.Errorf("%s.%s %#x = %#x; want %#x", c.op, c.t, c.x, r, c.r)
		}
	}
	if !EvalIcmp(IntSLT, I32, m32, 0) || EvalIcmp(IntULT, I32, m32, 0) || !EvalIcmp(IntUGE, I64, 5, 5) {
		t.Error("icmp")
	}
	f64 := math.Float64bits
	f32 := func(x float32) uint64 { return uint64(math.Float32bits(x)) }
	nan := f64(math.NaN())
	if !EvalFcmp(FloatNE, F64, nan, nan) || EvalFcmp(FloatEQ, F64, nan, nan) || EvalFcmp(FloatGE, F64, nan, f64(1)) {
		t.Error("fcmp with NaN")
	}
	floats := []struct {
		op      Opcode
		t       Type
		x, y, r uint64
		ok      bool
	}{
		{OpFadd, F32, f32(16777216), f32(1), f32(16777216), true}, // rounds to even in float32
		{OpFadd, F64, nan, f64(1), 0, false},
		{OpFdiv, F64, f64(1), f64(0), f64(math.Inf(1)), true},
		{OpFdiv, F64, f64(0), f64(0), 0, false},
		{OpFmin, F64, f64(0), f64(math.Copysign(0, -1)), f64(math.Copysign(0, -1)), true},
		{OpFmax, F32, f32(float32(math.Copysign(0, -1))), f32(0), f32(0), true},
		{OpFcopysign, F64, nan, f64(-1), nan | 1<<63, true},
		{OpFneg, F32, f32(1), 0, f32(-1), true},
		{OpNearest, F64, f64(-0.5), 0, f64(math.Copysign(0, -1)), true},
		{OpNearest, F64, f64(3.5), 0, f64(4), true},
		{OpCeil, F32, f32(-0.5), 0, f32(float32(math.Copysign(0, -1))), true},
		{OpSqrt, F64, f64(-1), 0, 0, false},
	}
	for _, c := range floats {
		r, ok := EvalFloat(c.op, c.t, c.x, c.y)
		if ok != c.ok || ok && r != c.r {
			t.Errorf("%s.%s %#x, %#x = %#x, %v; want %#x, %v", c.op, c.t, c.x, c.y, r, ok, c.r, c.ok)
		}
	}
	convs := []struct {
		op       Opcode
		from, to Type
		x, r     uint64
		ok       bool
	}{
		{OpFcvtToSint, F64, I32, f64(-2147483648.9), 0x80000000, true},
		{OpFcvtToSint, F64, I32, f64(2147483648), 0, false},
		{OpFcvtToUint, F32, I32, f32(-0.9), 0, true},
		{OpFcvtToUint, F64, I64, f64(-1), 0, false},
		{OpFcvtToSintSat, F64, I32, f64(1e10), 0x7fffffff, true},
		{OpFcvtToSintSat, F64, I64, nan, 0, true},
		{OpFcvtToUintSat, F32, I64, f32(-5), 0, true},
		{OpFcvtToUintSat, F64, I32, f64(1e10), m32, true},
		{OpFcvtFromSint, I32, F32, m32, f32(-1), true},
		{OpFcvtFromUint, I32, F32, m32, 0, false}, // 2^32-1 rounds in float32
		{OpFcvtFromUint, I64, F64, 1 << 63, f64(math.Exp2(63)), true},
		{OpFdemote, F64, F32, f64(0.1), f32(0.1), true},
		{OpFpromote, F32, F64, f32(0.5), f64(0.5), true},
		{OpSextend, I32, I64, m32, math.MaxUint64, true},
		{OpUextend, I32, I64, m32, m32, true},
		{OpIreduce, I64, I32, 0x1_0000_0005, 5, true},
	}
	for _, c := range convs {
		r, ok := EvalConvert(c.op, c.from, c.to, c.x)
		if ok != c.ok || ok && r != c.r {
			t.Errorf("%s %s->%s %#x = %#x, %v; want %#x, %v", c.op, c.from, c.to, c.x, r, ok, c.r, c.ok)
		}
	}
}
