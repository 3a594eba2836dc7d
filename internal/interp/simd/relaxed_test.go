package simd

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// TestRelaxed pins the one result moat gives for each relaxed instruction
// (documented in relaxed.go) on the inputs where the spec allows several.
func TestRelaxed(t *testing.T) {
	const (
		f32Exp = 0x3f800800         // 1 + 2^-12: its square needs 25 significant bits
		f64Exp = 0x3ff0000000400000 // 1 + 2^-30
	)
	one32, one64 := f32(f32Exp), f64(f64Exp)
	aa, five := i8x16(0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa),
		i8x16(0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55)
	tests := []struct {
		name    string
		op      wasm.Opcode
		a, b, c V128
		want    V128
	}{
		{"swizzle: indices 16-127 wrap, 128 and up give 0", wasm.OpI8x16RelaxedSwizzle,
			seq8(0x10), i8x16(0, 15, 16, 31, 127, 128, 255, 0x8f), V128{},
			i8x16(0x10, 0x1f, 0x10, 0x1f, 0x1f, 0, 0, 0, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10)},
		{"trunc f32 s: NaN and out of range give INT32_MIN", wasm.OpI32x4RelaxedTruncF32x4S,
			f32x4(nan32, 3e9, -2.7, 2147483520), V128{}, V128{},
			i32x4(0x80000000, 0x80000000, 0xfffffffe, 0x7fffff80)},
		{"trunc f32 u saturates", wasm.OpI32x4RelaxedTruncF32x4U,
			f32x4(nan32, -1, 5e9, 3.9), V128{}, V128{}, i32x4(0, 0, 0xffffffff, 3)},
		{"trunc f64 s zero: NaN gives INT32_MIN", wasm.OpI32x4RelaxedTruncF64x2SZero,
			f64x2(nan64, -5.5), V128{}, V128{}, i32x4(0x80000000, 0xfffffffb, 0, 0)},
		{"trunc f64 s zero: above INT32_MAX gives INT32_MIN", wasm.OpI32x4RelaxedTruncF64x2SZero,
			f64x2(2147483647.9, 2147483648), V128{}, V128{}, i32x4(0x7fffffff, 0x80000000, 0, 0)},
		{"trunc f64 u zero saturates", wasm.OpI32x4RelaxedTruncF64x2UZero,
			f64x2(-1, 4294967296), V128{}, V128{}, i32x4(0, 0xffffffff, 0, 0)},
		{"f32 madd rounds the product", wasm.OpF32x4RelaxedMadd,
			f32x4(one32, 2), f32x4(one32, 3), f32x4(-1, 1), f32x4(0x1p-11, 7)},
		{"f32 nmadd", wasm.OpF32x4RelaxedNmadd,
			f32x4(one32, 2), f32x4(one32, 3), f32x4(1, 1), f32x4(-0x1p-11, -5)},
		{"f64 madd rounds the product", wasm.OpF64x2RelaxedMadd,
			f64x2(one64, 2), f64x2(one64, 3), f64x2(-1, 1), f64x2(0x1p-29, 7)},
		{"f64 nmadd", wasm.OpF64x2RelaxedNmadd,
			f64x2(one64, 2), f64x2(one64, 3), f64x2(1, 1), f64x2(-0x1p-29, -5)},
		{"i8 laneselect by top bit", wasm.OpI8x16RelaxedLaneselect,
			aa, five, i8x16(0x80, 0x7f, 0xff, 0), i8x16(0xaa, 0x55, 0xaa, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55)},
		{"i16 laneselect per byte", wasm.OpI16x8RelaxedLaneselect,
			aa, five, i16x8(0x8000, 0x0080, 0xffff, 0), i16x8(0xaa55, 0x55aa, 0xaaaa, 0x5555, 0x5555, 0x5555, 0x5555, 0x5555)},
		{"i32 laneselect by lane top bit", wasm.OpI32x4RelaxedLaneselect,
			aa, five, i32x4(0x80000000, 0x7fffffff, 0xffffffff, 0), i32x4(0xaaaaaaaa, 0x55555555, 0xaaaaaaaa, 0x55555555)},
		{"i64 laneselect by lane top bit", wasm.OpI64x2RelaxedLaneselect,
			aa, five, V128{1 << 63, 1<<63 - 1}, V128{0xaaaaaaaaaaaaaaaa, 0x5555555555555555}},
		{"f32 min: b for NaNs and equal zeros", wasm.OpF32x4RelaxedMin,
			f32x4(nan32, 0, negZero32, 1), f32x4(2, negZero32, 0, nanPay32), V128{}, f32x4(2, negZero32, 0, nanPay32)},
		{"f32 max: b for NaNs and equal zeros", wasm.OpF32x4RelaxedMax,
			f32x4(nan32, 0, negZero32, 3), f32x4(2, negZero32, 0, 1), V128{}, f32x4(2, negZero32, 0, 3)},
		{"f64 min", wasm.OpF64x2RelaxedMin, f64x2(nan64, 1), f64x2(5, nanPay64), V128{}, f64x2(5, nanPay64)},
		{"f64 max", wasm.OpF64x2RelaxedMax, f64x2(0, 1), f64x2(negZero64, nan64), V128{}, f64x2(negZero64, nan64)},
		{"q15mulr wraps", wasm.OpI16x8RelaxedQ15mulrS,
			i16x8(0x8000, 0x4000, 0x8000, 0xffff), i16x8(0x8000, 0x4000, 0x7fff, 1), V128{},
			i16x8(0x8000, 0x2000, 0x8001, 0)},
		{"dot: b unsigned, pairs saturate", wasm.OpI16x8RelaxedDotI8x16I7x16S,
			i8x16(0x80, 0x80, 1, 2, 0xff, 3, 0x80, 0x80), i8x16(0xff, 0xff, 3, 4, 5, 6, 0x7f, 0x7f), V128{},
			i16x8(0x8000, 11, 13, 0x8100)},
		{"dot add: i32 sums wrap", wasm.OpI32x4RelaxedDotI8x16I7x16AddS,
			i8x16(0x80, 0x80, 1, 2, 0xff, 3, 0x80, 0x80), i8x16(0xff, 0xff, 3, 4, 5, 6, 0x7f, 0x7f), i32x4(1, 0x80000000),
			i32x4(0xffff800c, 0x7fff810d, 0, 0)},
	}
	for _, tt := range tests {
		f := Relaxed[RelaxedIndex(tt.op)]
		if f == nil {
			t.Fatalf("%s: no implementation", tt.name)
		}
		if got := f(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

// TestRelaxedComplete checks every relaxed opcode has an implementation.
func TestRelaxedComplete(t *testing.T) {
	for op := wasm.Opcode(0); op < 0xffff; op++ {
		info := op.Info()
		if info == nil || info.Name == "" || info.Feature != wasm.FeatureRelaxedSIMD {
			continue
		}
		if Relaxed[RelaxedIndex(op)] == nil {
			t.Errorf("%s has no implementation", info.Name)
		}
	}
}
