package simd

import "github.com/moat-run/moat/internal/wasm"

func registerInt64() {
	Splat[sub(wasm.OpI64x2Splat)] = func(x uint64) V128 { return V128{x, x} }

	Binary[sub(wasm.OpI64x2Eq)] = cmp64(func(x, y uint64) bool { return x == y })
	Binary[sub(wasm.OpI64x2Ne)] = cmp64(func(x, y uint64) bool { return x != y })
	Binary[sub(wasm.OpI64x2LtS)] = cmp64(func(x, y uint64) bool { return int64(x) < int64(y) })
	Binary[sub(wasm.OpI64x2GtS)] = cmp64(func(x, y uint64) bool { return int64(x) > int64(y) })
	Binary[sub(wasm.OpI64x2LeS)] = cmp64(func(x, y uint64) bool { return int64(x) <= int64(y) })
	Binary[sub(wasm.OpI64x2GeS)] = cmp64(func(x, y uint64) bool { return int64(x) >= int64(y) })

	Unary[sub(wasm.OpI64x2Abs)] = un64(func(x uint64) uint64 {
		if int64(x) < 0 {
			return -x // INT64_MIN stays INT64_MIN
		}
		return x
	})
	Unary[sub(wasm.OpI64x2Neg)] = un64(func(x uint64) uint64 { return -x })

	Test[sub(wasm.OpI64x2AllTrue)] = func(a V128) uint32 { return b2u(a.Lo != 0 && a.Hi != 0) }
	Test[sub(wasm.OpI64x2Bitmask)] = func(a V128) uint32 { return uint32(a.Lo>>63) | uint32(a.Hi>>63)<<1 }

	Shift[sub(wasm.OpI64x2Shl)] = func(a V128, n uint32) V128 {
		return V128{a.Lo << (n & 63), a.Hi << (n & 63)}
	}
	Shift[sub(wasm.OpI64x2ShrS)] = func(a V128, n uint32) V128 {
		return V128{uint64(int64(a.Lo) >> (n & 63)), uint64(int64(a.Hi) >> (n & 63))}
	}
	Shift[sub(wasm.OpI64x2ShrU)] = func(a V128, n uint32) V128 {
		return V128{a.Lo >> (n & 63), a.Hi >> (n & 63)}
	}

	Binary[sub(wasm.OpI64x2Add)] = bin64(func(x, y uint64) uint64 { return x + y })
	Binary[sub(wasm.OpI64x2Sub)] = bin64(func(x, y uint64) uint64 { return x - y })
	Binary[sub(wasm.OpI64x2Mul)] = bin64(func(x, y uint64) uint64 { return x * y })
}
