package simd

import (
	"math"

	"github.com/moat-run/moat/internal/wasm"
)

const (
	sign64  = 1 << 63
	quiet64 = 1 << 51 // the quiet bit of an f64 NaN
)

func f64(x uint64) float64 { return math.Float64frombits(x) }
func b64(x float64) uint64 { return math.Float64bits(x) }

func fbin64(f func(x, y float64) float64) func(a, b V128) V128 {
	return bin64(func(x, y uint64) uint64 { return b64(f(f64(x), f64(y))) })
}

func fcmp64(f func(x, y float64) bool) func(a, b V128) V128 {
	return cmp64(func(x, y uint64) bool { return f(f64(x), f64(y)) })
}

// fround64 lifts a float64 function to f64x2; NaN lanes come back quieted
// with their payload.
func fround64(f func(float64) float64) func(V128) V128 {
	return un64(func(x uint64) uint64 {
		v := f64(x)
		if v != v {
			return x | quiet64
		}
		return b64(f(v))
	})
}

// minMax64 is minMax32 for f64.
func minMax64(x, y uint64, isMin bool) uint64 {
	fx, fy := f64(x), f64(y)
	switch {
	case fx != fx:
		return x | quiet64
	case fy != fy:
		return y | quiet64
	case fx == fy:
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

func registerFloat64() {
	Splat[sub(wasm.OpF64x2Splat)] = Splat[sub(wasm.OpI64x2Splat)]

	Binary[sub(wasm.OpF64x2Eq)] = fcmp64(func(x, y float64) bool { return x == y })
	Binary[sub(wasm.OpF64x2Ne)] = fcmp64(func(x, y float64) bool { return x != y })
	Binary[sub(wasm.OpF64x2Lt)] = fcmp64(func(x, y float64) bool { return x < y })
	Binary[sub(wasm.OpF64x2Gt)] = fcmp64(func(x, y float64) bool { return x > y })
	Binary[sub(wasm.OpF64x2Le)] = fcmp64(func(x, y float64) bool { return x <= y })
	Binary[sub(wasm.OpF64x2Ge)] = fcmp64(func(x, y float64) bool { return x >= y })

	Unary[sub(wasm.OpF64x2Abs)] = un64(func(x uint64) uint64 { return x &^ sign64 })
	Unary[sub(wasm.OpF64x2Neg)] = un64(func(x uint64) uint64 { return x ^ sign64 })
	Unary[sub(wasm.OpF64x2Sqrt)] = fround64(sqrt)
	Unary[sub(wasm.OpF64x2Ceil)] = fround64(math.Ceil)
	Unary[sub(wasm.OpF64x2Floor)] = fround64(math.Floor)
	Unary[sub(wasm.OpF64x2Trunc)] = fround64(math.Trunc)
	Unary[sub(wasm.OpF64x2Nearest)] = fround64(math.RoundToEven)

	Binary[sub(wasm.OpF64x2Add)] = fbin64(func(x, y float64) float64 { return x + y })
	Binary[sub(wasm.OpF64x2Sub)] = fbin64(func(x, y float64) float64 { return x - y })
	Binary[sub(wasm.OpF64x2Mul)] = fbin64(func(x, y float64) float64 { return x * y })
	Binary[sub(wasm.OpF64x2Div)] = fbin64(func(x, y float64) float64 { return x / y })
	Binary[sub(wasm.OpF64x2Min)] = bin64(func(x, y uint64) uint64 { return minMax64(x, y, true) })
	Binary[sub(wasm.OpF64x2Max)] = bin64(func(x, y uint64) uint64 { return minMax64(x, y, false) })
	Binary[sub(wasm.OpF64x2Pmin)] = bin64(func(x, y uint64) uint64 {
		if f64(y) < f64(x) {
			return y
		}
		return x
	})
	Binary[sub(wasm.OpF64x2Pmax)] = bin64(func(x, y uint64) uint64 {
		if f64(x) < f64(y) {
			return y
		}
		return x
	})
}

// sqrt is math.Sqrt with the spec's canonical NaN for negative operands
// (pure-Go math.Sqrt would return math.NaN(), which is not canonical).
func sqrt(x float64) float64 {
	if x < 0 {
		return f64(0x7ff8000000000000)
	}
	return math.Sqrt(x)
}
