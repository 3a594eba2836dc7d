package simd

import "github.com/moat-run/moat/internal/wasm"

func registerInt16() {
	Splat[sub(wasm.OpI16x8Splat)] = func(x uint64) V128 {
		w := uint64(uint16(x)) * 0x0001000100010001
		return V128{w, w}
	}

	Binary[sub(wasm.OpI16x8Eq)] = cmp16(func(x, y uint16) bool { return x == y })
	Binary[sub(wasm.OpI16x8Ne)] = cmp16(func(x, y uint16) bool { return x != y })
	Binary[sub(wasm.OpI16x8LtS)] = cmp16(func(x, y uint16) bool { return int16(x) < int16(y) })
	Binary[sub(wasm.OpI16x8LtU)] = cmp16(func(x, y uint16) bool { return x < y })
	Binary[sub(wasm.OpI16x8GtS)] = cmp16(func(x, y uint16) bool { return int16(x) > int16(y) })
	Binary[sub(wasm.OpI16x8GtU)] = cmp16(func(x, y uint16) bool { return x > y })
	Binary[sub(wasm.OpI16x8LeS)] = cmp16(func(x, y uint16) bool { return int16(x) <= int16(y) })
	Binary[sub(wasm.OpI16x8LeU)] = cmp16(func(x, y uint16) bool { return x <= y })
	Binary[sub(wasm.OpI16x8GeS)] = cmp16(func(x, y uint16) bool { return int16(x) >= int16(y) })
	Binary[sub(wasm.OpI16x8GeU)] = cmp16(func(x, y uint16) bool { return x >= y })

	Unary[sub(wasm.OpI16x8Abs)] = un16(func(x uint16) uint16 {
		if int16(x) < 0 {
			return -x // INT16_MIN stays INT16_MIN
		}
		return x
	})
	Unary[sub(wasm.OpI16x8Neg)] = un16(func(x uint16) uint16 { return -x })

	Test[sub(wasm.OpI16x8AllTrue)] = func(a V128) uint32 {
		for _, x := range a.u16() {
			if x == 0 {
				return 0
			}
		}
		return 1
	}
	Test[sub(wasm.OpI16x8Bitmask)] = func(a V128) uint32 {
		var m uint32
		for i, x := range a.u16() {
			m |= uint32(x>>15) << i
		}
		return m
	}

	Shift[sub(wasm.OpI16x8Shl)] = func(a V128, n uint32) V128 {
		return map16(a, func(x uint16) uint16 { return x << (n & 15) })
	}
	Shift[sub(wasm.OpI16x8ShrS)] = func(a V128, n uint32) V128 {
		return map16(a, func(x uint16) uint16 { return uint16(int16(x) >> (n & 15)) })
	}
	Shift[sub(wasm.OpI16x8ShrU)] = func(a V128, n uint32) V128 {
		return map16(a, func(x uint16) uint16 { return x >> (n & 15) })
	}

	Binary[sub(wasm.OpI16x8Add)] = bin16(func(x, y uint16) uint16 { return x + y })
	Binary[sub(wasm.OpI16x8Sub)] = bin16(func(x, y uint16) uint16 { return x - y })
	Binary[sub(wasm.OpI16x8Mul)] = bin16(func(x, y uint16) uint16 { return x * y })
	Binary[sub(wasm.OpI16x8AddSatS)] = bin16(func(x, y uint16) uint16 {
		return uint16(sat(int64(int16(x))+int64(int16(y)), -1<<15, 1<<15-1))
	})
	Binary[sub(wasm.OpI16x8AddSatU)] = bin16(func(x, y uint16) uint16 {
		return uint16(sat(int64(x)+int64(y), 0, 1<<16-1))
	})
	Binary[sub(wasm.OpI16x8SubSatS)] = bin16(func(x, y uint16) uint16 {
		return uint16(sat(int64(int16(x))-int64(int16(y)), -1<<15, 1<<15-1))
	})
	Binary[sub(wasm.OpI16x8SubSatU)] = bin16(func(x, y uint16) uint16 {
		return uint16(sat(int64(x)-int64(y), 0, 1<<16-1))
	})
	Binary[sub(wasm.OpI16x8MinS)] = bin16(func(x, y uint16) uint16 { return uint16(min(int16(x), int16(y))) })
	Binary[sub(wasm.OpI16x8MinU)] = bin16(func(x, y uint16) uint16 { return min(x, y) })
	Binary[sub(wasm.OpI16x8MaxS)] = bin16(func(x, y uint16) uint16 { return uint16(max(int16(x), int16(y))) })
	Binary[sub(wasm.OpI16x8MaxU)] = bin16(func(x, y uint16) uint16 { return max(x, y) })
	Binary[sub(wasm.OpI16x8AvgrU)] = bin16(func(x, y uint16) uint16 { return uint16((uint32(x) + uint32(y) + 1) >> 1) })
	// Q15 fixed-point multiply with rounding; only -1 * -1 (0x8000²) saturates.
	Binary[sub(wasm.OpI16x8Q15mulrSatS)] = bin16(func(x, y uint16) uint16 {
		p := int64(int16(x)) * int64(int16(y))
		return uint16(sat((p+0x4000)>>15, -1<<15, 1<<15-1))
	})
}
