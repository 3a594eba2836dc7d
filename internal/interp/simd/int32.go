package simd

import "github.com/moat-run/moat/internal/wasm"

func registerInt32() {
	Splat[sub(wasm.OpI32x4Splat)] = func(x uint64) V128 {
		w := uint64(uint32(x)) * 0x0000000100000001
		return V128{w, w}
	}

	Binary[sub(wasm.OpI32x4Eq)] = cmp32(func(x, y uint32) bool { return x == y })
	Binary[sub(wasm.OpI32x4Ne)] = cmp32(func(x, y uint32) bool { return x != y })
	Binary[sub(wasm.OpI32x4LtS)] = cmp32(func(x, y uint32) bool { return int32(x) < int32(y) })
	Binary[sub(wasm.OpI32x4LtU)] = cmp32(func(x, y uint32) bool { return x < y })
	Binary[sub(wasm.OpI32x4GtS)] = cmp32(func(x, y uint32) bool { return int32(x) > int32(y) })
	Binary[sub(wasm.OpI32x4GtU)] = cmp32(func(x, y uint32) bool { return x > y })
	Binary[sub(wasm.OpI32x4LeS)] = cmp32(func(x, y uint32) bool { return int32(x) <= int32(y) })
	Binary[sub(wasm.OpI32x4LeU)] = cmp32(func(x, y uint32) bool { return x <= y })
	Binary[sub(wasm.OpI32x4GeS)] = cmp32(func(x, y uint32) bool { return int32(x) >= int32(y) })
	Binary[sub(wasm.OpI32x4GeU)] = cmp32(func(x, y uint32) bool { return x >= y })

	Unary[sub(wasm.OpI32x4Abs)] = un32(func(x uint32) uint32 {
		if int32(x) < 0 {
			return -x // INT32_MIN stays INT32_MIN
		}
		return x
	})
	Unary[sub(wasm.OpI32x4Neg)] = un32(func(x uint32) uint32 { return -x })

	Test[sub(wasm.OpI32x4AllTrue)] = func(a V128) uint32 {
		for _, x := range a.u32() {
			if x == 0 {
				return 0
			}
		}
		return 1
	}
	Test[sub(wasm.OpI32x4Bitmask)] = func(a V128) uint32 {
		var m uint32
		for i, x := range a.u32() {
			m |= (x >> 31) << i
		}
		return m
	}

	Shift[sub(wasm.OpI32x4Shl)] = func(a V128, n uint32) V128 {
		return map32(a, func(x uint32) uint32 { return x << (n & 31) })
	}
	Shift[sub(wasm.OpI32x4ShrS)] = func(a V128, n uint32) V128 {
		return map32(a, func(x uint32) uint32 { return uint32(int32(x) >> (n & 31)) })
	}
	Shift[sub(wasm.OpI32x4ShrU)] = func(a V128, n uint32) V128 {
		return map32(a, func(x uint32) uint32 { return x >> (n & 31) })
	}

	Binary[sub(wasm.OpI32x4Add)] = bin32(func(x, y uint32) uint32 { return x + y })
	Binary[sub(wasm.OpI32x4Sub)] = bin32(func(x, y uint32) uint32 { return x - y })
	Binary[sub(wasm.OpI32x4Mul)] = bin32(func(x, y uint32) uint32 { return x * y })
	Binary[sub(wasm.OpI32x4MinS)] = bin32(func(x, y uint32) uint32 { return uint32(min(int32(x), int32(y))) })
	Binary[sub(wasm.OpI32x4MinU)] = bin32(func(x, y uint32) uint32 { return min(x, y) })
	Binary[sub(wasm.OpI32x4MaxS)] = bin32(func(x, y uint32) uint32 { return uint32(max(int32(x), int32(y))) })
	Binary[sub(wasm.OpI32x4MaxU)] = bin32(func(x, y uint32) uint32 { return max(x, y) })

	// Each result lane is the wrapped sum of two adjacent signed 16-bit
	// products; only the all-INT16_MIN case wraps (to INT32_MIN).
	Binary[sub(wasm.OpI32x4DotI16x8S)] = func(a, b V128) V128 {
		x, y := a.u16(), b.u16()
		var r [4]uint32
		for i := range r {
			p0 := int32(int16(x[2*i])) * int32(int16(y[2*i]))
			p1 := int32(int16(x[2*i+1])) * int32(int16(y[2*i+1]))
			r[i] = uint32(p0) + uint32(p1)
		}
		return from32(r)
	}
}
