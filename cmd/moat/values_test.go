package main

import (
	"math"
	"slices"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

func TestParseValue(t *testing.T) {
	cases := []struct {
		t    wasm.ValType
		in   string
		want []uint64
	}{
		{wasm.I32, "20", []uint64{20}},
		{wasm.I32, "-1", []uint64{0xffffffff}},
		{wasm.I32, "-2147483648", []uint64{0x80000000}},
		{wasm.I32, "4294967295", []uint64{0xffffffff}},
		{wasm.I32, "0x7fffffff", []uint64{0x7fffffff}},
		{wasm.I32, "-0x10", []uint64{0xfffffff0}},
		{wasm.I64, "-1", []uint64{math.MaxUint64}},
		{wasm.I64, "0xffffffffffffffff", []uint64{math.MaxUint64}},
		{wasm.I64, "-9223372036854775808", []uint64{1 << 63}},
		{wasm.F32, "1.5", []uint64{uint64(math.Float32bits(1.5))}},
		{wasm.F32, "-0", []uint64{0x80000000}},
		{wasm.F32, "inf", []uint64{uint64(math.Float32bits(float32(math.Inf(1))))}},
		{wasm.F64, "-inf", []uint64{math.Float64bits(math.Inf(-1))}},
		{wasm.F64, "-0", []uint64{1 << 63}},
		{wasm.F64, "0.1", []uint64{math.Float64bits(0.1)}},
		{wasm.V128, "0x0102", []uint64{0x0102, 0}},
		{wasm.V128, "0x000000000000000100000000000000ff", []uint64{0xff, 1}},
		{wasm.FuncRef, "null", []uint64{0}},
	}
	for _, c := range cases {
		got, err := parseValue(c.t, c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseValue(%s, %q) = %#x, %v; want %#x", c.t, c.in, got, err, c.want)
		}
	}
	nan, err := parseValue(wasm.F64, "nan")
	if err != nil || !math.IsNaN(math.Float64frombits(nan[0])) {
		t.Errorf("parseValue(f64, nan) = %#x, %v", nan, err)
	}
	for _, c := range []struct {
		t  wasm.ValType
		in string
	}{
		{wasm.I32, "4294967296"}, {wasm.I32, "-2147483649"}, {wasm.I32, "1.5"}, {wasm.I32, ""},
		{wasm.I64, "18446744073709551616"}, {wasm.F64, "x"}, {wasm.V128, "12"},
		{wasm.V128, "0x" + "000000000000000000000000000000001"}, {wasm.ExternRef, "5"},
	} {
		if got, err := parseValue(c.t, c.in); err == nil {
			t.Errorf("parseValue(%s, %q) = %#x, want an error", c.t, c.in, got)
		}
	}
}

func TestFormatResults(t *testing.T) {
	types := []wasm.ValType{wasm.I32, wasm.I64, wasm.F32, wasm.F64, wasm.F64, wasm.F64, wasm.V128, wasm.FuncRef}
	words := []uint64{
		0xffffffff, 1 << 63,
		uint64(math.Float32bits(0.1)), math.Float64bits(0.1), math.Float64bits(math.Inf(-1)), 1 << 63,
		0x0f0e0d0c0b0a0908, 0x0706050403020100, 0,
	}
	want := []string{"-1", "-9223372036854775808", "0.1", "0.1", "-inf", "-0",
		"0x07060504030201000f0e0d0c0b0a0908", "null"}
	if got := formatResults(types, words); !slices.Equal(got, want) {
		t.Errorf("formatResults = %q, want %q", got, want)
	}
}
