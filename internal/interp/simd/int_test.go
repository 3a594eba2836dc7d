package simd

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// binOp and unOp look up an operation's table entry as a two-operand
// function, for test tables that mix unary and binary operations.
func binOp(op wasm.Opcode) func(a, b V128) V128 { return Binary[sub(op)] }

func unOp(op wasm.Opcode) func(a, b V128) V128 {
	return func(a, _ V128) V128 { return Unary[sub(op)](a) }
}

func TestIntegerOps(t *testing.T) {
	tests := []struct {
		name string
		f    func(a, b V128) V128
		a, b V128
		want V128
	}{
		{"i8 abs INT_MIN", unOp(wasm.OpI8x16Abs), i8x16(0x80, 0xff, 1, 0), V128{}, i8x16(0x80, 1, 1, 0)},
		{"i16 abs INT_MIN", unOp(wasm.OpI16x8Abs), i16x8(0x8000, 0xffff), V128{}, i16x8(0x8000, 1)},
		{"i32 abs INT_MIN", unOp(wasm.OpI32x4Abs), i32x4(0x80000000, 0xfffffffe), V128{}, i32x4(0x80000000, 2)},
		{"i64 abs INT_MIN", unOp(wasm.OpI64x2Abs), V128{1 << 63, 1<<64 - 5}, V128{}, V128{1 << 63, 5}},
		{"i8 neg", unOp(wasm.OpI8x16Neg), i8x16(0x80, 1, 0), V128{}, i8x16(0x80, 0xff, 0)},
		{"i8 popcnt", unOp(wasm.OpI8x16Popcnt), i8x16(0xff, 0x81, 0, 0x10), V128{}, i8x16(8, 2, 0, 1)},
		{"i8 add wraps", binOp(wasm.OpI8x16Add), i8x16(0xff, 0x7f), i8x16(1, 1), i8x16(0, 0x80)},
		{"i8 add_sat_s", binOp(wasm.OpI8x16AddSatS), i8x16(0x7f, 0x80, 0x80), i8x16(1, 0xff, 1), i8x16(0x7f, 0x80, 0x81)},
		{"i8 add_sat_u", binOp(wasm.OpI8x16AddSatU), i8x16(0xff, 0xfe), i8x16(1, 1), i8x16(0xff, 0xff)},
		{"i8 sub_sat_s", binOp(wasm.OpI8x16SubSatS), i8x16(0x80, 0x7f), i8x16(1, 0xff), i8x16(0x80, 0x7f)},
		{"i8 sub_sat_u", binOp(wasm.OpI8x16SubSatU), i8x16(0, 5), i8x16(1, 3), i8x16(0, 2)},
		{"i16 add_sat_s", binOp(wasm.OpI16x8AddSatS), i16x8(0x7fff, 0x8000), i16x8(0x7fff, 0x8000), i16x8(0x7fff, 0x8000)},
		{"i16 sub_sat_u", binOp(wasm.OpI16x8SubSatU), i16x8(0, 0xffff), i16x8(0xffff, 1), i16x8(0, 0xfffe)},
		{"i8 min/max signedness", binOp(wasm.OpI8x16MinS), i8x16(0x80, 1), i8x16(0x7f, 2), i8x16(0x80, 1)},
		{"i8 min_u", binOp(wasm.OpI8x16MinU), i8x16(0x80, 1), i8x16(0x7f, 2), i8x16(0x7f, 1)},
		{"i32 max_s", binOp(wasm.OpI32x4MaxS), i32x4(0x80000000, 3), i32x4(0xffffffff, 2), i32x4(0xffffffff, 3)},
		{"i8 avgr_u no overflow", binOp(wasm.OpI8x16AvgrU), i8x16(0xff, 0, 1), i8x16(0xff, 1, 2), i8x16(0xff, 1, 2)},
		{"i16 avgr_u no overflow", binOp(wasm.OpI16x8AvgrU), i16x8(0xffff, 3), i16x8(0xffff, 0), i16x8(0xffff, 2)},
		{"q15mulr saturates", binOp(wasm.OpI16x8Q15mulrSatS),
			i16x8(0x8000, 0x4000, 0x8000, 0xffff, 0x7fff), i16x8(0x8000, 0x4000, 0x7fff, 1, 0x7fff),
			i16x8(0x7fff, 0x2000, 0x8001, 0, 0x7ffe)},
		{"i16 mul wraps", binOp(wasm.OpI16x8Mul), i16x8(0x8000, 300), i16x8(2, 300), i16x8(0, 0x5f90)},
		{"i32 dot wraps", binOp(wasm.OpI32x4DotI16x8S), i16x8(0x8000, 0x8000, 1, 2, 0xffff, 3), i16x8(0x8000, 0x8000, 3, 4, 5, 6),
			i32x4(0x80000000, 11, 13)},
		{"i64 mul", binOp(wasm.OpI64x2Mul), V128{1 << 63, 3}, V128{2, 1<<64 - 1}, V128{0, 1<<64 - 3}},
		{"i8 narrow_s", binOp(wasm.OpI8x16NarrowI16x8S), i16x8(0x80, 0xff7f, 0x7f, 0xff80), i16x8(0, 0, 0, 0, 0, 0, 0, 0xffff),
			i8x16(0x7f, 0x80, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff)},
		{"i8 narrow_u treats input as signed", binOp(wasm.OpI8x16NarrowI16x8U), i16x8(0x100, 0xffff, 0xff, 0x8000), V128{},
			i8x16(0xff, 0, 0xff, 0)},
		{"i16 narrow_u", binOp(wasm.OpI16x8NarrowI32x4U), i32x4(0x10000, 0xffffffff, 0xffff), i32x4(0, 0, 0, 0x7fffffff),
			i16x8(0xffff, 0, 0xffff, 0, 0, 0, 0, 0xffff)},
		{"i16 narrow_s", binOp(wasm.OpI16x8NarrowI32x4S), i32x4(0x8000, 0xffff7fff), V128{}, i16x8(0x7fff, 0x8000)},
		{"i16 extmul_high_s", binOp(wasm.OpI16x8ExtmulHighI8x16S), i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff),
			i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0x80, 2), i16x8(0x4000, 0xfffe)},
		{"i16 extmul_low_u", binOp(wasm.OpI16x8ExtmulLowI8x16U), i8x16(0xff, 2), i8x16(0xff, 3), i16x8(0xfe01, 6)},
		{"i64 extmul_low_s", binOp(wasm.OpI64x2ExtmulLowI32x4S), i32x4(0x80000000, 0xffffffff), i32x4(0x80000000, 5),
			V128{1 << 62, 1<<64 - 5}},
		{"i64 extmul_high_u", binOp(wasm.OpI64x2ExtmulHighI32x4U), i32x4(0, 0, 0xffffffff, 2), i32x4(0, 0, 0xffffffff, 3),
			V128{0xfffffffe00000001, 6}},
		{"extadd_pairwise_s", unOp(wasm.OpI16x8ExtaddPairwiseI8x16S), i8x16(0x80, 0x80, 0x7f, 0x7f, 0xff, 1), V128{},
			i16x8(0xff00, 0xfe, 0)},
		{"extadd_pairwise_u", unOp(wasm.OpI32x4ExtaddPairwiseI16x8U), i16x8(0xffff, 0xffff), V128{}, i32x4(0x1fffe)},
		{"extend_high_s", unOp(wasm.OpI32x4ExtendHighI16x8S), i16x8(0, 0, 0, 0, 0x8000, 1), V128{}, i32x4(0xffff8000, 1)},
		{"extend_low_u", unOp(wasm.OpI64x2ExtendLowI32x4U), i32x4(0xffffffff, 1), V128{}, V128{0xffffffff, 1}},
		{"i8 lt_s", binOp(wasm.OpI8x16LtS), i8x16(0x80, 1), i8x16(0, 1), i8x16(0xff, 0)},
		{"i8 lt_u", binOp(wasm.OpI8x16LtU), i8x16(0x80, 1), i8x16(0, 2), i8x16(0, 0xff)},
		{"i64 ge_s", binOp(wasm.OpI64x2GeS), V128{1 << 63, 5}, V128{0, 5}, V128{0, 1<<64 - 1}},
	}
	for _, tt := range tests {
		if got := tt.f(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestShiftsAndReductions(t *testing.T) {
	shifts := []struct {
		op   wasm.Opcode
		a    V128
		n    uint32
		want V128
	}{
		{wasm.OpI8x16Shl, i8x16(0x81, 1), 9, i8x16(0x02, 2)},              // 9 mod 8 = 1
		{wasm.OpI8x16ShrS, i8x16(0x80, 0x40), 0xffffffff, i8x16(0xff, 0)}, // 7
		{wasm.OpI8x16ShrU, i8x16(0x80), 7, i8x16(1)},
		{wasm.OpI16x8ShrS, i16x8(0x8000), 16, i16x8(0x8000)}, // 16 mod 16 = 0
		{wasm.OpI16x8ShrU, i16x8(0x8000), 31, i16x8(1)},
		{wasm.OpI32x4Shl, i32x4(1), 33, i32x4(2)},
		{wasm.OpI32x4ShrS, i32x4(0x80000000), 31, i32x4(0xffffffff)},
		{wasm.OpI64x2Shl, V128{1, 3}, 65, V128{2, 6}},
		{wasm.OpI64x2ShrS, V128{1 << 63, 1 << 62}, 62, V128{1<<64 - 2, 1}},
		{wasm.OpI64x2ShrU, V128{1 << 63, 4}, 127, V128{1, 0}},
	}
	for _, tt := range shifts {
		if got := Shift[sub(tt.op)](tt.a, tt.n); got != tt.want {
			t.Errorf("%s by %d: got %#x, want %#x", tt.op, tt.n, got, tt.want)
		}
	}
	all := V128{1<<64 - 1, 1<<64 - 1}
	tests := []struct {
		op   wasm.Opcode
		a    V128
		want uint32
	}{
		{wasm.OpV128AnyTrue, V128{}, 0},
		{wasm.OpV128AnyTrue, V128{0, 1 << 63}, 1},
		{wasm.OpI8x16AllTrue, all, 1},
		{wasm.OpI8x16AllTrue, V128{0xffffffffffffff00, 1<<64 - 1}, 0},
		{wasm.OpI16x8AllTrue, V128{0x0100010001000100, 0x0001000100010001}, 1},
		{wasm.OpI16x8AllTrue, V128{0x0100010001000100, 0x0001000100000001}, 0},
		{wasm.OpI32x4AllTrue, i32x4(1, 1, 1, 0), 0},
		{wasm.OpI64x2AllTrue, V128{1, 1 << 63}, 1},
		{wasm.OpI8x16Bitmask, i8x16(0x80, 0, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80), 0x8005},
		{wasm.OpI16x8Bitmask, i16x8(0x8000, 0x7fff, 0, 0, 0, 0, 0, 0xffff), 0x81},
		{wasm.OpI32x4Bitmask, i32x4(0, 0x80000000, 0, 0xffffffff), 0xa},
		{wasm.OpI64x2Bitmask, V128{1 << 63, 1}, 1},
	}
	for _, tt := range tests {
		if got := Test[sub(tt.op)](tt.a); got != tt.want {
			t.Errorf("%s(%#x): got %#x, want %#x", tt.op, tt.a, got, tt.want)
		}
	}
}
