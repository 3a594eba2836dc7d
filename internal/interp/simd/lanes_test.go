package simd

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// Lane constructors for readable test vectors.
func i8x16(l ...uint8) V128  { var a [16]uint8; copy(a[:], l); return from8(a) }
func i16x8(l ...uint16) V128 { var a [8]uint16; copy(a[:], l); return from16(a) }
func i32x4(l ...uint32) V128 { var a [4]uint32; copy(a[:], l); return from32(a) }
func f32x4(l ...float32) V128 {
	var a [4]uint32
	for i, x := range l {
		a[i] = b32(x)
	}
	return from32(a)
}
func f64x2(x, y float64) V128 { return V128{b64(x), b64(y)} }

func seq8(start uint8) V128 {
	var a [16]uint8
	for i := range a {
		a[i] = start + uint8(i)
	}
	return from8(a)
}

func TestLaneLayout(t *testing.T) {
	v := seq8(0)
	if v.Lo != 0x0706050403020100 || v.Hi != 0x0f0e0d0c0b0a0908 {
		t.Fatalf("byte layout %#x %#x", v.Lo, v.Hi)
	}
	if from16(v.u16()) != v || from32(v.u32()) != v || from64(v.u64()) != v || from8(v.u8()) != v {
		t.Fatal("lane views do not round-trip")
	}
	if v.u16()[5] != 0x0b0a || v.u32()[3] != 0x0f0e0d0c {
		t.Fatal("lane order")
	}
}

func TestExtractReplaceLane(t *testing.T) {
	v := i8x16(0, 0x80, 0x7f, 0xff)
	tests := []struct {
		op   wasm.Opcode
		v    V128
		lane uint32
		want uint64
	}{
		{wasm.OpI8x16ExtractLaneS, v, 3, 0xffffffff},
		{wasm.OpI8x16ExtractLaneS, v, 1, 0xffffff80},
		{wasm.OpI8x16ExtractLaneS, v, 2, 0x7f},
		{wasm.OpI8x16ExtractLaneU, v, 3, 0xff},
		{wasm.OpI8x16ExtractLaneU, v, 19, 0xff}, // masked to 3
		{wasm.OpI16x8ExtractLaneS, i16x8(0, 0x8000), 1, 0xffff8000},
		{wasm.OpI16x8ExtractLaneU, i16x8(0, 0x8000), 1, 0x8000},
		{wasm.OpI32x4ExtractLane, i32x4(1, 2, 3, 0xffffffff), 3, 0xffffffff},
		{wasm.OpF32x4ExtractLane, f32x4(0, -1), 1, 0xbf800000},
		{wasm.OpI64x2ExtractLane, V128{1, 1 << 63}, 1, 1 << 63},
		{wasm.OpF64x2ExtractLane, f64x2(1, -2), 0, b64(1)},
		{wasm.OpI8x16Add, v, 0, 0}, // not an extract_lane
	}
	for _, tt := range tests {
		if got := ExtractLane(tt.op, tt.v, tt.lane); got != tt.want {
			t.Errorf("%s lane %d: got %#x, want %#x", tt.op, tt.lane, got, tt.want)
		}
	}

	rep := []struct {
		op   wasm.Opcode
		lane uint32
		x    uint64
		want V128
	}{
		{wasm.OpI8x16ReplaceLane, 15, 0x1234, V128{0, 0x34 << 56}},
		{wasm.OpI16x8ReplaceLane, 4, 0xdead_beef, V128{0, 0xbeef}},
		{wasm.OpI32x4ReplaceLane, 1, 0xffff_ffff_8000_0001, V128{0x8000_0001 << 32, 0}},
		{wasm.OpF32x4ReplaceLane, 6, 0x80000000, V128{0, 0x8000_0000}}, // 6 masks to 2
		{wasm.OpI64x2ReplaceLane, 1, 1<<64 - 1, V128{0, 1<<64 - 1}},
		{wasm.OpF64x2ReplaceLane, 0, b64(2), V128{b64(2), 0}},
		{wasm.OpI8x16Add, 0, 1, V128{}},
	}
	for _, tt := range rep {
		if got := ReplaceLane(tt.op, V128{}, tt.lane, tt.x); got != tt.want {
			t.Errorf("%s lane %d: got %#x, want %#x", tt.op, tt.lane, got, tt.want)
		}
	}
}

func TestShuffleSwizzle(t *testing.T) {
	a, b := seq8(0), seq8(16)
	idx := i8x16(31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 0xff) // 0xff masks to 31
	want := i8x16(31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 31)
	if got := Shuffle(a, b, idx); got != want {
		t.Errorf("shuffle: got %#x, want %#x", got, want)
	}
	sw := Binary[sub(wasm.OpI8x16Swizzle)]
	got := sw(seq8(100), i8x16(15, 0, 16, 0xff, 0x80, 7))
	if want := i8x16(115, 100, 0, 0, 0, 107, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100); got != want {
		t.Errorf("swizzle: got %#x, want %#x", got, want)
	}
}

func TestLoadExtend(t *testing.T) {
	const bits = 0x80ff7f01_fffe8000
	tests := []struct {
		op   wasm.Opcode
		want V128
	}{
		{wasm.OpV128Load8x8S, i16x8(0x0000, 0xff80, 0xfffe, 0xffff, 0x0001, 0x007f, 0xffff, 0xff80)},
		{wasm.OpV128Load8x8U, i16x8(0x00, 0x80, 0xfe, 0xff, 0x01, 0x7f, 0xff, 0x80)},
		{wasm.OpV128Load16x4S, i32x4(0xffff8000, 0xfffffffe, 0x7f01, 0xffff80ff)},
		{wasm.OpV128Load16x4U, i32x4(0x8000, 0xfffe, 0x7f01, 0x80ff)},
		{wasm.OpV128Load32x2S, V128{0xffffffff_fffe8000, 0xffffffff_80ff7f01}},
		{wasm.OpV128Load32x2U, V128{0xfffe8000, 0x80ff7f01}},
		{wasm.OpV128Load, V128{}},
	}
	for _, tt := range tests {
		if got := LoadExtend(tt.op, bits); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.op, got, tt.want)
		}
	}
}

func TestSplatAndBitselect(t *testing.T) {
	tests := []struct {
		op   wasm.Opcode
		x    uint64
		want V128
	}{
		{wasm.OpI8x16Splat, 0xffff_ff81, V128{0x8181818181818181, 0x8181818181818181}},
		{wasm.OpI16x8Splat, 0x1_2345, V128{0x2345234523452345, 0x2345234523452345}},
		{wasm.OpI32x4Splat, 0xaaaa_bbbb_cccc_dddd, V128{0xccccddddccccdddd, 0xccccddddccccdddd}},
		{wasm.OpF32x4Splat, 0x80000000, V128{0x8000000080000000, 0x8000000080000000}},
		{wasm.OpI64x2Splat, 1<<64 - 2, V128{1<<64 - 2, 1<<64 - 2}},
		{wasm.OpF64x2Splat, b64(1.5), V128{b64(1.5), b64(1.5)}},
	}
	for _, tt := range tests {
		if got := Splat[sub(tt.op)](tt.x); got != tt.want {
			t.Errorf("%s(%#x): got %#x, want %#x", tt.op, tt.x, got, tt.want)
		}
	}
	got := Bitselect(V128{0xffff0000, 0xff}, V128{0x0000ffff, 0xf0f0}, V128{0x00ff00ff, 0x0f})
	if want := (V128{0x00ffff00, 0xf0ff}); got != want {
		t.Errorf("bitselect: got %#x, want %#x", got, want)
	}
}
