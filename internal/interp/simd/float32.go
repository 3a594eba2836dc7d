package simd

import (
	"math"

	"github.com/moat-run/moat/internal/wasm"
)

const (
	sign32  = 1 << 31
	quiet32 = 1 << 22 // the quiet bit of an f32 NaN
)

func f32(x uint32) float32 { return math.Float32frombits(x) }
func b32(x float32) uint32 { return math.Float32bits(x) }

// fbin32 lifts a float32 operation to an f32x4 table entry. The operation
// runs in float32, so each lane is rounded once.
func fbin32(f func(x, y float32) float32) func(a, b V128) V128 {
	return bin32(func(x, y uint32) uint32 { return b32(f(f32(x), f32(y))) })
}

func fcmp32(f func(x, y float32) bool) func(a, b V128) V128 {
	return cmp32(func(x, y uint32) bool { return f(f32(x), f32(y)) })
}

// fround32 lifts a float64 rounding function to f32x4. Every float32 is
// exact in float64 and so is its rounded integral value, so going through
// float64 is exact. NaN lanes come back quieted with their payload.
func fround32(f func(float64) float64) func(V128) V128 {
	return un32(func(x uint32) uint32 {
		v := f32(x)
		if v != v {
			return x | quiet32
		}
		return b32(float32(f(float64(v))))
	})
}

// minMax32 implements f32 min (isMin) and max: NaN if either operand is NaN
// (quieted, payload of the first NaN operand), and -0 < +0.
func minMax32(x, y uint32, isMin bool) uint32 {
	fx, fy := f32(x), f32(y)
	switch {
	case fx != fx:
		return x | quiet32
	case fy != fy:
		return y | quiet32
	case fx == fy:
		// Equal values differ in bits only for ±0: min takes the set sign
		// bit, max the clear one.
		if isMin {
			return x | y
		}
		return x & y
	case (fx < fy) == isMin:
		return x
	default:
		return y
	}
}

func registerFloat32() {
	Splat[sub(wasm.OpF32x4Splat)] = Splat[sub(wasm.OpI32x4Splat)]

	Binary[sub(wasm.OpF32x4Eq)] = fcmp32(func(x, y float32) bool { return x == y })
	Binary[sub(wasm.OpF32x4Ne)] = fcmp32(func(x, y float32) bool { return x != y })
	Binary[sub(wasm.OpF32x4Lt)] = fcmp32(func(x, y float32) bool { return x < y })
	Binary[sub(wasm.OpF32x4Gt)] = fcmp32(func(x, y float32) bool { return x > y })
	Binary[sub(wasm.OpF32x4Le)] = fcmp32(func(x, y float32) bool { return x <= y })
	Binary[sub(wasm.OpF32x4Ge)] = fcmp32(func(x, y float32) bool { return x >= y })

	// abs and neg only touch the sign bit, NaN payloads included.
	Unary[sub(wasm.OpF32x4Abs)] = un32(func(x uint32) uint32 { return x &^ sign32 })
	Unary[sub(wasm.OpF32x4Neg)] = un32(func(x uint32) uint32 { return x ^ sign32 })
	// sqrt through float64 is correctly rounded for float32 (53 >= 2*24+2).
	Unary[sub(wasm.OpF32x4Sqrt)] = fround32(sqrt)
	Unary[sub(wasm.OpF32x4Ceil)] = fround32(math.Ceil)
	Unary[sub(wasm.OpF32x4Floor)] = fround32(math.Floor)
	Unary[sub(wasm.OpF32x4Trunc)] = fround32(math.Trunc)
	Unary[sub(wasm.OpF32x4Nearest)] = fround32(math.RoundToEven)

	Binary[sub(wasm.OpF32x4Add)] = fbin32(func(x, y float32) float32 { return x + y })
	Binary[sub(wasm.OpF32x4Sub)] = fbin32(func(x, y float32) float32 { return x - y })
	Binary[sub(wasm.OpF32x4Mul)] = fbin32(func(x, y float32) float32 { return x * y })
	Binary[sub(wasm.OpF32x4Div)] = fbin32(func(x, y float32) float32 { return x / y })
	Binary[sub(wasm.OpF32x4Min)] = bin32(func(x, y uint32) uint32 { return minMax32(x, y, true) })
	Binary[sub(wasm.OpF32x4Max)] = bin32(func(x, y uint32) uint32 { return minMax32(x, y, false) })
	// pmin/pmax are defined by a plain "<" and return an operand unchanged.
	Binary[sub(wasm.OpF32x4Pmin)] = bin32(func(x, y uint32) uint32 {
		if f32(y) < f32(x) {
			return y
		}
		return x
	})
	Binary[sub(wasm.OpF32x4Pmax)] = bin32(func(x, y uint32) uint32 {
		if f32(x) < f32(y) {
			return y
		}
		return x
	})
}
