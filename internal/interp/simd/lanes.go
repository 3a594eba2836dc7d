package simd

import "github.com/moat-run/moat/internal/wasm"

// ExtractLane implements the extract_lane instructions. The result is a
// stack word: i32 and f32 results are zero-extended to 64 bits (so
// i8x16.extract_lane_s of 0xff gives 0xffffffff). The lane index is masked
// to the shape's range; an opcode that is not an extract_lane gives 0.
func ExtractLane(op wasm.Opcode, v V128, lane uint32) uint64 {
	switch op {
	case wasm.OpI8x16ExtractLaneS:
		return uint64(uint32(int32(int8(v.u8()[lane&15]))))
	case wasm.OpI8x16ExtractLaneU:
		return uint64(v.u8()[lane&15])
	case wasm.OpI16x8ExtractLaneS:
		return uint64(uint32(int32(int16(v.u16()[lane&7]))))
	case wasm.OpI16x8ExtractLaneU:
		return uint64(v.u16()[lane&7])
	case wasm.OpI32x4ExtractLane, wasm.OpF32x4ExtractLane:
		return uint64(v.u32()[lane&3])
	case wasm.OpI64x2ExtractLane, wasm.OpF64x2ExtractLane:
		return v.u64()[lane&1]
	}
	return 0
}

// ReplaceLane implements the replace_lane instructions: x is the scalar's
// stack word, of which only the lane's width is used. The lane index is
// masked to the shape's range; any other opcode returns v unchanged.
func ReplaceLane(op wasm.Opcode, v V128, lane uint32, x uint64) V128 {
	switch op {
	case wasm.OpI8x16ReplaceLane:
		l := v.u8()
		l[lane&15] = uint8(x)
		return from8(l)
	case wasm.OpI16x8ReplaceLane:
		l := v.u16()
		l[lane&7] = uint16(x)
		return from16(l)
	case wasm.OpI32x4ReplaceLane, wasm.OpF32x4ReplaceLane:
		l := v.u32()
		l[lane&3] = uint32(x)
		return from32(l)
	case wasm.OpI64x2ReplaceLane, wasm.OpF64x2ReplaceLane:
		l := v.u64()
		l[lane&1] = x
		return from64(l)
	}
	return v
}

// Shuffle implements i8x16.shuffle: result byte i is byte lanes[i] of the
// 32-byte concatenation a‖b. Indices are masked to 0..31 (the validator
// rejects larger ones).
func Shuffle(a, b, lanes V128) V128 {
	x, y, s := a.u8(), b.u8(), lanes.u8()
	var r [16]uint8
	for i, j := range s {
		j &= 31
		if j < 16 {
			r[i] = x[j]
		} else {
			r[i] = y[j-16]
		}
	}
	return from8(r)
}

// swizzle is i8x16.swizzle: result byte i is a[s[i]], or 0 when s[i] >= 16.
func swizzle(a, s V128) V128 {
	x, idx := a.u8(), s.u8()
	var r [16]uint8
	for i, j := range idx {
		if j < 16 {
			r[i] = x[j]
		}
	}
	return from8(r)
}

// LoadExtend widens the 8 bytes loaded by v128.load8x8_s/u, load16x4_s/u
// or load32x2_s/u (little endian in bits). Any other opcode gives zero.
func LoadExtend(op wasm.Opcode, bits uint64) V128 {
	v := V128{Lo: bits}
	switch op {
	case wasm.OpV128Load8x8S:
		return extend8to16(v, false, true)
	case wasm.OpV128Load8x8U:
		return extend8to16(v, false, false)
	case wasm.OpV128Load16x4S:
		return extend16to32(v, false, true)
	case wasm.OpV128Load16x4U:
		return extend16to32(v, false, false)
	case wasm.OpV128Load32x2S:
		return extend32to64(v, false, true)
	case wasm.OpV128Load32x2U:
		return extend32to64(v, false, false)
	}
	return V128{}
}

func registerLanes() {
	Binary[sub(wasm.OpI8x16Swizzle)] = swizzle
}
