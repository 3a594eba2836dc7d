package simd

import (
	"math"

	"github.com/moat-run/moat/internal/wasm"
)

// Widening: extend_low/high, extadd_pairwise, extmul. Narrowing: narrow.
// Between integers and floats: convert, trunc_sat, demote, promote.

func extend8to16(a V128, high, signed bool) V128 {
	x := a.u8()
	var r [8]uint16
	for i := range r {
		v := x[i]
		if high {
			v = x[i+8]
		}
		if signed {
			r[i] = uint16(int8(v))
		} else {
			r[i] = uint16(v)
		}
	}
	return from16(r)
}

func extend16to32(a V128, high, signed bool) V128 {
	x := a.u16()
	var r [4]uint32
	for i := range r {
		v := x[i]
		if high {
			v = x[i+4]
		}
		if signed {
			r[i] = uint32(int16(v))
		} else {
			r[i] = uint32(v)
		}
	}
	return from32(r)
}

func extend32to64(a V128, high, signed bool) V128 {
	x := a.u32()
	var r [2]uint64
	for i := range r {
		v := x[i]
		if high {
			v = x[i+2]
		}
		if signed {
			r[i] = uint64(int32(v))
		} else {
			r[i] = uint64(v)
		}
	}
	return from64(r)
}

// extmul multiplies the extended lanes; every product fits the wide lane,
// so the wide wrapping multiply is exact.
func extmul(extend func(V128, bool, bool) V128, mul func(a, b V128) V128, high, signed bool) func(a, b V128) V128 {
	return func(a, b V128) V128 { return mul(extend(a, high, signed), extend(b, high, signed)) }
}

func extaddPairwise8(a V128, signed bool) V128 {
	x := a.u8()
	var r [8]uint16
	for i := range r {
		if signed {
			r[i] = uint16(int16(int8(x[2*i])) + int16(int8(x[2*i+1])))
		} else {
			r[i] = uint16(x[2*i]) + uint16(x[2*i+1])
		}
	}
	return from16(r)
}

func extaddPairwise16(a V128, signed bool) V128 {
	x := a.u16()
	var r [4]uint32
	for i := range r {
		if signed {
			r[i] = uint32(int32(int16(x[2*i])) + int32(int16(x[2*i+1])))
		} else {
			r[i] = uint32(x[2*i]) + uint32(x[2*i+1])
		}
	}
	return from32(r)
}

// narrow16to8 packs a's lanes then b's, saturating signed input lanes to
// the signed or unsigned 8-bit range.
func narrow16to8(a, b V128, signed bool) V128 {
	lo, hi := int64(0), int64(math.MaxUint8)
	if signed {
		lo, hi = math.MinInt8, math.MaxInt8
	}
	x, y := a.u16(), b.u16()
	var r [16]uint8
	for i := range x {
		r[i] = uint8(sat(int64(int16(x[i])), lo, hi))
		r[i+8] = uint8(sat(int64(int16(y[i])), lo, hi))
	}
	return from8(r)
}

func narrow32to16(a, b V128, signed bool) V128 {
	lo, hi := int64(0), int64(math.MaxUint16)
	if signed {
		lo, hi = math.MinInt16, math.MaxInt16
	}
	x, y := a.u32(), b.u32()
	var r [8]uint16
	for i := range x {
		r[i] = uint16(sat(int64(int32(x[i])), lo, hi))
		r[i+4] = uint16(sat(int64(int32(y[i])), lo, hi))
	}
	return from16(r)
}

// truncSat truncates toward zero and saturates to [lo, hi] (32-bit bounds,
// exact in float64); NaN gives 0. Values reaching the final conversion lie
// strictly inside (lo, hi), so int64(v) is defined and in range.
func truncSat(v float64, lo, hi int64) int64 {
	switch {
	case v != v:
		return 0
	case v <= float64(lo):
		return lo
	case v >= float64(hi):
		return hi
	}
	return int64(v)
}

func truncSatF32(a V128, signed bool) V128 {
	return map32(a, func(x uint32) uint32 {
		if signed {
			return uint32(truncSat(float64(f32(x)), math.MinInt32, math.MaxInt32))
		}
		return uint32(truncSat(float64(f32(x)), 0, math.MaxUint32))
	})
}

// truncSatF64Zero converts the two f64 lanes into i32 lanes 0 and 1 and
// zeroes lanes 2 and 3.
func truncSatF64Zero(a V128, signed bool) V128 {
	var r [4]uint32
	for i, x := range a.u64() {
		if signed {
			r[i] = uint32(truncSat(f64(x), math.MinInt32, math.MaxInt32))
		} else {
			r[i] = uint32(truncSat(f64(x), 0, math.MaxUint32))
		}
	}
	return from32(r)
}

func registerConversions() {
	for _, e := range []struct {
		op           wasm.Opcode
		high, signed bool
	}{
		{wasm.OpI16x8ExtendLowI8x16S, false, true}, {wasm.OpI16x8ExtendHighI8x16S, true, true},
		{wasm.OpI16x8ExtendLowI8x16U, false, false}, {wasm.OpI16x8ExtendHighI8x16U, true, false},
	} {
		Unary[sub(e.op)] = func(a V128) V128 { return extend8to16(a, e.high, e.signed) }
	}
	for _, e := range []struct {
		op           wasm.Opcode
		high, signed bool
	}{
		{wasm.OpI32x4ExtendLowI16x8S, false, true}, {wasm.OpI32x4ExtendHighI16x8S, true, true},
		{wasm.OpI32x4ExtendLowI16x8U, false, false}, {wasm.OpI32x4ExtendHighI16x8U, true, false},
	} {
		Unary[sub(e.op)] = func(a V128) V128 { return extend16to32(a, e.high, e.signed) }
	}
	for _, e := range []struct {
		op           wasm.Opcode
		high, signed bool
	}{
		{wasm.OpI64x2ExtendLowI32x4S, false, true}, {wasm.OpI64x2ExtendHighI32x4S, true, true},
		{wasm.OpI64x2ExtendLowI32x4U, false, false}, {wasm.OpI64x2ExtendHighI32x4U, true, false},
	} {
		Unary[sub(e.op)] = func(a V128) V128 { return extend32to64(a, e.high, e.signed) }
	}

	mul16, mul32, mul64 := Binary[sub(wasm.OpI16x8Mul)], Binary[sub(wasm.OpI32x4Mul)], Binary[sub(wasm.OpI64x2Mul)]
	Binary[sub(wasm.OpI16x8ExtmulLowI8x16S)] = extmul(extend8to16, mul16, false, true)
	Binary[sub(wasm.OpI16x8ExtmulHighI8x16S)] = extmul(extend8to16, mul16, true, true)
	Binary[sub(wasm.OpI16x8ExtmulLowI8x16U)] = extmul(extend8to16, mul16, false, false)
	Binary[sub(wasm.OpI16x8ExtmulHighI8x16U)] = extmul(extend8to16, mul16, true, false)
	Binary[sub(wasm.OpI32x4ExtmulLowI16x8S)] = extmul(extend16to32, mul32, false, true)
	Binary[sub(wasm.OpI32x4ExtmulHighI16x8S)] = extmul(extend16to32, mul32, true, true)
	Binary[sub(wasm.OpI32x4ExtmulLowI16x8U)] = extmul(extend16to32, mul32, false, false)
	Binary[sub(wasm.OpI32x4ExtmulHighI16x8U)] = extmul(extend16to32, mul32, true, false)
	Binary[sub(wasm.OpI64x2ExtmulLowI32x4S)] = extmul(extend32to64, mul64, false, true)
	Binary[sub(wasm.OpI64x2ExtmulHighI32x4S)] = extmul(extend32to64, mul64, true, true)
	Binary[sub(wasm.OpI64x2ExtmulLowI32x4U)] = extmul(extend32to64, mul64, false, false)
	Binary[sub(wasm.OpI64x2ExtmulHighI32x4U)] = extmul(extend32to64, mul64, true, false)

	Unary[sub(wasm.OpI16x8ExtaddPairwiseI8x16S)] = func(a V128) V128 { return extaddPairwise8(a, true) }
	Unary[sub(wasm.OpI16x8ExtaddPairwiseI8x16U)] = func(a V128) V128 { return extaddPairwise8(a, false) }
	Unary[sub(wasm.OpI32x4ExtaddPairwiseI16x8S)] = func(a V128) V128 { return extaddPairwise16(a, true) }
	Unary[sub(wasm.OpI32x4ExtaddPairwiseI16x8U)] = func(a V128) V128 { return extaddPairwise16(a, false) }

	Binary[sub(wasm.OpI8x16NarrowI16x8S)] = func(a, b V128) V128 { return narrow16to8(a, b, true) }
	Binary[sub(wasm.OpI8x16NarrowI16x8U)] = func(a, b V128) V128 { return narrow16to8(a, b, false) }
	Binary[sub(wasm.OpI16x8NarrowI32x4S)] = func(a, b V128) V128 { return narrow32to16(a, b, true) }
	Binary[sub(wasm.OpI16x8NarrowI32x4U)] = func(a, b V128) V128 { return narrow32to16(a, b, false) }

	Unary[sub(wasm.OpF32x4ConvertI32x4S)] = un32(func(x uint32) uint32 { return b32(float32(int32(x))) })
	// uint32 -> float32 in one correctly rounded step (via int64, exact).
	Unary[sub(wasm.OpF32x4ConvertI32x4U)] = un32(func(x uint32) uint32 { return b32(float32(int64(x))) })
	Unary[sub(wasm.OpF64x2ConvertLowI32x4S)] = func(a V128) V128 {
		return V128{b64(float64(int32(a.Lo))), b64(float64(int32(a.Lo >> 32)))}
	}
	Unary[sub(wasm.OpF64x2ConvertLowI32x4U)] = func(a V128) V128 {
		return V128{b64(float64(uint32(a.Lo))), b64(float64(uint32(a.Lo >> 32)))}
	}

	Unary[sub(wasm.OpI32x4TruncSatF32x4S)] = func(a V128) V128 { return truncSatF32(a, true) }
	Unary[sub(wasm.OpI32x4TruncSatF32x4U)] = func(a V128) V128 { return truncSatF32(a, false) }
	Unary[sub(wasm.OpI32x4TruncSatF64x2SZero)] = func(a V128) V128 { return truncSatF64Zero(a, true) }
	Unary[sub(wasm.OpI32x4TruncSatF64x2UZero)] = func(a V128) V128 { return truncSatF64Zero(a, false) }

	Unary[sub(wasm.OpF32x4DemoteF64x2Zero)] = func(a V128) V128 {
		return V128{Lo: uint64(demote(a.Lo)) | uint64(demote(a.Hi))<<32}
	}
	Unary[sub(wasm.OpF64x2PromoteLowF32x4)] = func(a V128) V128 {
		return V128{promote(uint32(a.Lo)), promote(uint32(a.Lo >> 32))}
	}
}

// demote rounds an f64 to f32; a NaN keeps its sign and the top of its
// payload and becomes quiet.
func demote(x uint64) uint32 {
	v := f64(x)
	if v != v {
		return uint32(x>>32)&sign32 | 0x7f800000 | quiet32 | uint32(x>>29)&(quiet32-1)
	}
	return b32(float32(v))
}

// promote widens an f32 to f64 exactly; a NaN keeps sign and payload and
// becomes quiet.
func promote(x uint32) uint64 {
	v := f32(x)
	if v != v {
		return uint64(x&sign32)<<32 | 0x7ff0000000000000 | quiet64 | uint64(x&(quiet32-1))<<29
	}
	return b64(float64(v))
}
