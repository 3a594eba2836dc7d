package simd

import (
	"math"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

var (
	negZero32 = float32(math.Copysign(0, -1))
	negZero64 = math.Copysign(0, -1)
	inf32     = float32(math.Inf(1))
	nan32     = f32(0x7fc00000)
	nanPay32  = f32(0x7fa00001) // signalling NaN with a payload
	nan64     = f64(0x7ff8000000000000)
	nanPay64  = f64(0xfff4000000000001) // negative signalling NaN with a payload
)

func TestFloat32Ops(t *testing.T) {
	tests := []struct {
		name string
		f    func(a, b V128) V128
		a, b V128
		want [4]uint32
	}{
		{"min zeros", binOp(wasm.OpF32x4Min), f32x4(0, negZero32, negZero32, 1), f32x4(negZero32, 0, negZero32, -1),
			[4]uint32{sign32, sign32, sign32, b32(-1)}},
		{"max zeros", binOp(wasm.OpF32x4Max), f32x4(0, negZero32, negZero32, 1), f32x4(negZero32, 0, negZero32, -1),
			[4]uint32{0, 0, sign32, b32(1)}},
		{"min NaN quiets", binOp(wasm.OpF32x4Min), f32x4(nanPay32, 1, nan32, -inf32), f32x4(1, nanPay32, 1, inf32),
			[4]uint32{0x7fe00001, 0x7fe00001, 0x7fc00000, b32(-inf32)}},
		{"pmin", binOp(wasm.OpF32x4Pmin), f32x4(nan32, 1, 0, negZero32), f32x4(1, nan32, negZero32, 0),
			[4]uint32{0x7fc00000, b32(1), 0, sign32}},
		{"pmax", binOp(wasm.OpF32x4Pmax), f32x4(nan32, 1, 0, 2), f32x4(1, nan32, negZero32, 3),
			[4]uint32{0x7fc00000, b32(1), 0, b32(3)}},
		{"nearest half-even", unOp(wasm.OpF32x4Nearest), f32x4(0.5, 1.5, 2.5, -0.5), V128{},
			[4]uint32{0, b32(2), b32(2), sign32}},
		{"ceil/floor/trunc signs", unOp(wasm.OpF32x4Ceil), f32x4(-0.5, 0.5, 8388607.5, -inf32), V128{},
			[4]uint32{sign32, b32(1), b32(8388608), b32(-inf32)}},
		{"floor", unOp(wasm.OpF32x4Floor), f32x4(-0.5, 0.5, negZero32, 1e30), V128{},
			[4]uint32{b32(-1), 0, sign32, b32(1e30)}},
		{"trunc NaN quiets", unOp(wasm.OpF32x4Trunc), f32x4(nanPay32, -1.9, 1.9, 0), V128{},
			[4]uint32{0x7fe00001, b32(-1), b32(1), 0}},
		{"sqrt", unOp(wasm.OpF32x4Sqrt), f32x4(-1, 4, negZero32, 2), V128{},
			[4]uint32{0x7fc00000, b32(2), sign32, b32(float32(math.Sqrt2))}},
		{"abs/neg keep payload", unOp(wasm.OpF32x4Neg), f32x4(nanPay32, 0, -1, inf32), V128{},
			[4]uint32{0xffa00001, sign32, b32(1), b32(-inf32)}},
		{"add in float32", binOp(wasm.OpF32x4Add), f32x4(16777216, 0.1, 3e38, inf32), f32x4(1, 0.2, 3e38, 1),
			[4]uint32{b32(16777216), b32(float32(0.1) + float32(0.2)), b32(inf32), b32(inf32)}},
		{"div", binOp(wasm.OpF32x4Div), f32x4(1, -1, 0, 1), f32x4(3, 0, 1, inf32),
			[4]uint32{b32(float32(1) / 3), b32(-inf32), 0, 0}},
		{"compare NaN", binOp(wasm.OpF32x4Ne), f32x4(nan32, 1, 0, 2), f32x4(nan32, 1, negZero32, 3),
			[4]uint32{^uint32(0), 0, 0, ^uint32(0)}},
		{"convert_u rounds once", unOp(wasm.OpF32x4ConvertI32x4U), i32x4(0xffffffff, 0x80000001, 16777217, 16777219), V128{},
			[4]uint32{0x4f800000, 0x4f000000, b32(16777216), b32(16777220)}},
		{"convert_s", unOp(wasm.OpF32x4ConvertI32x4S), i32x4(0x80000000, 0xffffffff, 0x7fffffff, 16777217), V128{},
			[4]uint32{0xcf000000, b32(-1), 0x4f000000, b32(16777216)}},
		{"trunc_sat_s", unOp(wasm.OpI32x4TruncSatF32x4S), f32x4(nan32, -inf32, 2147483648, -2.9), V128{},
			[4]uint32{0, 0x80000000, 0x7fffffff, 0xfffffffe}},
		{"trunc_sat_u", unOp(wasm.OpI32x4TruncSatF32x4U), f32x4(-0.9, -inf32, 4294967296, 4294967040), V128{},
			[4]uint32{0, 0, 0xffffffff, 4294967040}},
		{"demote zeroes upper", unOp(wasm.OpF32x4DemoteF64x2Zero), f64x2(1e300, math.SmallestNonzeroFloat64), V128{},
			[4]uint32{b32(inf32), 0, 0, 0}},
		{"demote NaN", unOp(wasm.OpF32x4DemoteF64x2Zero), f64x2(nanPay64, 0x1p-149*1.5), V128{},
			[4]uint32{0xffe00000, 2, 0, 0}},
		{"trunc_sat_f64_s_zero", unOp(wasm.OpI32x4TruncSatF64x2SZero), V128{b64(-2147483648.9), b64(nan64)}, V128{},
			[4]uint32{0x80000000, 0, 0, 0}},
		{"trunc_sat_f64_u_zero", unOp(wasm.OpI32x4TruncSatF64x2UZero), V128{b64(4294967295.9), b64(math.Inf(1))}, V128{},
			[4]uint32{0xffffffff, 0xffffffff, 0, 0}},
	}
	for _, tt := range tests {
		if got := tt.f(tt.a, tt.b).u32(); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestFloat64Ops(t *testing.T) {
	tests := []struct {
		name string
		f    func(a, b V128) V128
		a, b V128
		want V128
	}{
		{"min zeros", binOp(wasm.OpF64x2Min), f64x2(0, negZero64), f64x2(negZero64, 0), V128{sign64, sign64}},
		{"max zeros", binOp(wasm.OpF64x2Max), f64x2(0, negZero64), f64x2(negZero64, 0), V128{0, 0}},
		{"max NaN", binOp(wasm.OpF64x2Max), f64x2(1, nanPay64), f64x2(nanPay64, 1), V128{0xfffc000000000001, 0xfffc000000000001}},
		{"pmin NaN first", binOp(wasm.OpF64x2Pmin), f64x2(nanPay64, 1), f64x2(1, nanPay64), V128{b64(nanPay64), b64(1)}},
		{"pmax zeros", binOp(wasm.OpF64x2Pmax), f64x2(negZero64, 0), f64x2(0, negZero64), V128{sign64, 0}},
		{"nearest", unOp(wasm.OpF64x2Nearest), f64x2(-2.5, 4503599627370495.5), V128{}, f64x2(-2, 4503599627370496)},
		{"sqrt negative", unOp(wasm.OpF64x2Sqrt), f64x2(-1, negZero64), V128{}, V128{0x7ff8000000000000, sign64}},
		{"floor NaN", unOp(wasm.OpF64x2Floor), f64x2(f64(0x7ff0000000000001), -0.1), V128{}, V128{0x7ff8000000000001, b64(-1)}},
		{"promote", unOp(wasm.OpF64x2PromoteLowF32x4), f32x4(nanPay32, -1.5, 7, 7), V128{}, V128{0x7ffc000020000000, b64(-1.5)}},
		{"convert_low_u", unOp(wasm.OpF64x2ConvertLowI32x4U), i32x4(0xffffffff, 1, 9, 9), V128{}, f64x2(4294967295, 1)},
		{"convert_low_s", unOp(wasm.OpF64x2ConvertLowI32x4S), i32x4(0x80000000, 0xffffffff, 9, 9), V128{}, f64x2(-2147483648, -1)},
		{"ge NaN", binOp(wasm.OpF64x2Ge), f64x2(nan64, 2), f64x2(1, 2), V128{0, 1<<64 - 1}},
		{"mul", binOp(wasm.OpF64x2Mul), f64x2(math.Inf(1), 0.1), f64x2(2, 3), V128{b64(math.Inf(1)), 0x3fd3333333333334}}, // 0.1*3 rounded at run time,
	}
	for _, tt := range tests {
		if got := tt.f(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}
