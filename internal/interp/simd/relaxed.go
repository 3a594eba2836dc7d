package simd

import (
	"math"

	"github.com/moat-run/moat/internal/wasm"
)

// Relaxed SIMD. The spec lets each of these instructions give one of a few
// results; moat gives one, always the same on every host and engine, chosen
// as what the fastest amd64 lowering (SSE4.1) computes:
//
//	i8x16.relaxed_swizzle           pshufb: lane s&15 when s < 128, else 0 (so 16-127 wrap)
//	i32x4.relaxed_trunc_f32x4_s     cvttps2dq: NaN and out-of-range lanes give INT32_MIN
//	i32x4.relaxed_trunc_f32x4_u     as i32x4.trunc_sat_f32x4_u (saturating, NaN gives 0)
//	i32x4.relaxed_trunc_f64x2_s_zero cvttpd2dq: NaN and out-of-range give INT32_MIN, upper lanes 0
//	i32x4.relaxed_trunc_f64x2_u_zero as i32x4.trunc_sat_f64x2_u_zero
//	f32x4/f64x2.relaxed_madd        a*b+c, not fused: the product is rounded first
//	f32x4/f64x2.relaxed_nmadd       -(a*b)+c, not fused
//	i8x16/i16x8.relaxed_laneselect  pblendvb: each byte from a where c's byte has its top bit set, else from b
//	i32x4/i64x2.relaxed_laneselect  blendvps/blendvpd: each lane from a where c's lane has its top bit set
//	f32x4/f64x2.relaxed_min         minps/minpd: a < b ? a : b (so b for NaNs and equal zeros)
//	f32x4/f64x2.relaxed_max         maxps/maxpd: a > b ? a : b
//	i16x8.relaxed_q15mulr_s         pmulhrsw: (a*b + 0x4000) >> 15, wrapping (-32768 * -32768 = -32768)
//	i16x8.relaxed_dot_i8x16_i7x16_s pmaddubsw(b, a): b's bytes unsigned, pair sums saturated to i16
//	i32x4.relaxed_dot_i8x16_i7x16_add_s the same, pairs of those summed to i32, plus c (wrapping)

// Relaxed holds the relaxed instructions, indexed by sub-opcode - 0x100
// (see RelaxedIndex). Unary ones ignore b and c, binary ones c.
var Relaxed [0x14]func(a, b, c V128) V128

// RelaxedIndex is a relaxed instruction's index in Relaxed.
func RelaxedIndex(op wasm.Opcode) int { return int(op.Sub() - 0x100) }

func init() {
	set := func(op wasm.Opcode, f func(a, b, c V128) V128) { Relaxed[RelaxedIndex(op)] = f }
	set(wasm.OpI8x16RelaxedSwizzle, func(a, s, _ V128) V128 { return pshufb(a, s) })
	set(wasm.OpI32x4RelaxedTruncF32x4S, func(a, _, _ V128) V128 {
		return map32(a, func(x uint32) uint32 { return cvtt32(float64(f32(x))) })
	})
	set(wasm.OpI32x4RelaxedTruncF32x4U, func(a, _, _ V128) V128 { return truncSatF32(a, false) })
	set(wasm.OpI32x4RelaxedTruncF64x2SZero, func(a, _, _ V128) V128 {
		return from32([4]uint32{cvtt32(f64(a.Lo)), cvtt32(f64(a.Hi)), 0, 0})
	})
	set(wasm.OpI32x4RelaxedTruncF64x2UZero, func(a, _, _ V128) V128 { return truncSatF64Zero(a, false) })
	set(wasm.OpF32x4RelaxedMadd, func(a, b, c V128) V128 { return madd32(a, b, c, false) })
	set(wasm.OpF32x4RelaxedNmadd, func(a, b, c V128) V128 { return madd32(a, b, c, true) })
	set(wasm.OpF64x2RelaxedMadd, func(a, b, c V128) V128 { return madd64(a, b, c, false) })
	set(wasm.OpF64x2RelaxedNmadd, func(a, b, c V128) V128 { return madd64(a, b, c, true) })
	set(wasm.OpI8x16RelaxedLaneselect, blendBytes)
	set(wasm.OpI16x8RelaxedLaneselect, blendBytes)
	set(wasm.OpI32x4RelaxedLaneselect, func(a, b, c V128) V128 {
		x, y, m := a.u32(), b.u32(), c.u32()
		for i := range x {
			if m[i]>>31 == 0 {
				x[i] = y[i]
			}
		}
		return from32(x)
	})
	set(wasm.OpI64x2RelaxedLaneselect, func(a, b, c V128) V128 {
		x, y, m := a.u64(), b.u64(), c.u64()
		for i := range x {
			if m[i]>>63 == 0 {
				x[i] = y[i]
			}
		}
		return from64(x)
	})
	set(wasm.OpF32x4RelaxedMin, func(a, b, _ V128) V128 { return pick32(a, b, func(x, y float32) bool { return x < y }) })
	set(wasm.OpF32x4RelaxedMax, func(a, b, _ V128) V128 { return pick32(a, b, func(x, y float32) bool { return x > y }) })
	set(wasm.OpF64x2RelaxedMin, func(a, b, _ V128) V128 { return pick64(a, b, func(x, y float64) bool { return x < y }) })
	set(wasm.OpF64x2RelaxedMax, func(a, b, _ V128) V128 { return pick64(a, b, func(x, y float64) bool { return x > y }) })
	set(wasm.OpI16x8RelaxedQ15mulrS, func(a, b, _ V128) V128 {
		x, y := a.u16(), b.u16()
		for i := range x {
			x[i] = uint16((int32(int16(x[i]))*int32(int16(y[i])) + 0x4000) >> 15)
		}
		return from16(x)
	})
	set(wasm.OpI16x8RelaxedDotI8x16I7x16S, func(a, b, _ V128) V128 { return from16(maddubs(a, b)) })
	set(wasm.OpI32x4RelaxedDotI8x16I7x16AddS, func(a, b, c V128) V128 {
		p, acc := maddubs(a, b), c.u32()
		for i := range acc {
			acc[i] += uint32(int32(int16(p[2*i])) + int32(int16(p[2*i+1])))
		}
		return from32(acc)
	})
}

// pshufb picks byte s&15 of a for each byte s of the selector below 128.
func pshufb(a, s V128) V128 {
	x, idx := a.u8(), s.u8()
	var r [16]uint8
	for i, j := range idx {
		if j < 128 {
			r[i] = x[j&15]
		}
	}
	return from8(r)
}

// cvtt32 truncates like cvttps2dq and cvttpd2dq: INT32_MIN for NaN and for
// values outside the i32 range.
func cvtt32(v float64) uint32 {
	if v != v || v <= math.MinInt32-1 || v >= math.MaxInt32+1 {
		return 1 << 31
	}
	return uint32(int32(v))
}

func madd32(a, b, c V128, negate bool) V128 {
	x, y, z := a.u32(), b.u32(), c.u32()
	for i := range x {
		// The conversion rounds the product: Go may otherwise fuse the
		// multiply and add (it does on arm64, and on amd64 with GOAMD64=v3),
		// and the result would depend on the host.
		p := float32(f32(x[i]) * f32(y[i]))
		if negate {
			p = -p
		}
		x[i] = b32(p + f32(z[i]))
	}
	return from32(x)
}

func madd64(a, b, c V128, negate bool) V128 {
	x, y, z := a.u64(), b.u64(), c.u64()
	for i := range x {
		p := float64(f64(x[i]) * f64(y[i])) // rounded, as in madd32
		if negate {
			p = -p
		}
		x[i] = b64(p + f64(z[i]))
	}
	return from64(x)
}

// blendBytes takes each byte from a where c's byte has its top bit set, else from b.
func blendBytes(a, b, c V128) V128 {
	x, y, m := a.u8(), b.u8(), c.u8()
	for i := range x {
		if m[i]>>7 == 0 {
			x[i] = y[i]
		}
	}
	return from8(x)
}

// pick32 keeps a's lane where pick(a, b) holds, else takes b's (the x86
// min/max rule).
func pick32(a, b V128, pick func(x, y float32) bool) V128 {
	x, y := a.u32(), b.u32()
	for i := range x {
		if !pick(f32(x[i]), f32(y[i])) {
			x[i] = y[i]
		}
	}
	return from32(x)
}

func pick64(a, b V128, pick func(x, y float64) bool) V128 {
	x, y := a.u64(), b.u64()
	for i := range x {
		if !pick(f64(x[i]), f64(y[i])) {
			x[i] = y[i]
		}
	}
	return from64(x)
}

// maddubs is pmaddubsw with b's bytes unsigned and a's signed: each i16
// lane is the saturated sum of two adjacent byte products.
func maddubs(a, b V128) [8]uint16 {
	x, y := a.u8(), b.u8()
	var r [8]uint16
	for i := range r {
		s := int64(int8(x[2*i]))*int64(y[2*i]) + int64(int8(x[2*i+1]))*int64(y[2*i+1])
		r[i] = uint16(int16(sat(s, math.MinInt16, math.MaxInt16)))
	}
	return r
}
