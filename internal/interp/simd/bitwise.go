package simd

import "github.com/moat-run/moat/internal/wasm"

// Bitselect is v128.bitselect: each result bit comes from a where the mask c
// has a 1 and from b where it has a 0.
func Bitselect(a, b, c V128) V128 {
	return V128{Lo: a.Lo&c.Lo | b.Lo&^c.Lo, Hi: a.Hi&c.Hi | b.Hi&^c.Hi}
}

func registerBitwise() {
	Unary[sub(wasm.OpV128Not)] = func(a V128) V128 { return V128{^a.Lo, ^a.Hi} }
	Binary[sub(wasm.OpV128And)] = func(a, b V128) V128 { return V128{a.Lo & b.Lo, a.Hi & b.Hi} }
	Binary[sub(wasm.OpV128Andnot)] = func(a, b V128) V128 { return V128{a.Lo &^ b.Lo, a.Hi &^ b.Hi} }
	Binary[sub(wasm.OpV128Or)] = func(a, b V128) V128 { return V128{a.Lo | b.Lo, a.Hi | b.Hi} }
	Binary[sub(wasm.OpV128Xor)] = func(a, b V128) V128 { return V128{a.Lo ^ b.Lo, a.Hi ^ b.Hi} }
	Test[sub(wasm.OpV128AnyTrue)] = func(a V128) uint32 { return b2u(a.Lo|a.Hi != 0) }
}

func b2u(c bool) uint32 {
	if c {
		return 1
	}
	return 0
}

// Saturation of a wide intermediate to a lane's range.
func sat(x, lo, hi int64) int64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}
