package simd

import (
	"math/bits"

	"github.com/moat-run/moat/internal/wasm"
)

func registerInt8() {
	Splat[sub(wasm.OpI8x16Splat)] = func(x uint64) V128 {
		w := uint64(uint8(x)) * 0x0101010101010101
		return V128{w, w}
	}

	Binary[sub(wasm.OpI8x16Eq)] = cmp8(func(x, y uint8) bool { return x == y })
	Binary[sub(wasm.OpI8x16Ne)] = cmp8(func(x, y uint8) bool { return x != y })
	Binary[sub(wasm.OpI8x16LtS)] = cmp8(func(x, y uint8) bool { return int8(x) < int8(y) })
	Binary[sub(wasm.OpI8x16LtU)] = cmp8(func(x, y uint8) bool { return x < y })
	Binary[sub(wasm.OpI8x16GtS)] = cmp8(func(x, y uint8) bool { return int8(x) > int8(y) })
	Binary[sub(wasm.OpI8x16GtU)] = cmp8(func(x, y uint8) bool { return x > y })
	Binary[sub(wasm.OpI8x16LeS)] = cmp8(func(x, y uint8) bool { return int8(x) <= int8(y) })
	Binary[sub(wasm.OpI8x16LeU)] = cmp8(func(x, y uint8) bool { return x <= y })
	Binary[sub(wasm.OpI8x16GeS)] = cmp8(func(x, y uint8) bool { return int8(x) >= int8(y) })
	Binary[sub(wasm.OpI8x16GeU)] = cmp8(func(x, y uint8) bool { return x >= y })

	Unary[sub(wasm.OpI8x16Abs)] = un8(func(x uint8) uint8 {
		if int8(x) < 0 {
			return -x // INT8_MIN stays INT8_MIN
		}
		return x
	})
	Unary[sub(wasm.OpI8x16Neg)] = un8(func(x uint8) uint8 { return -x })
	Unary[sub(wasm.OpI8x16Popcnt)] = un8(func(x uint8) uint8 { return uint8(bits.OnesCount8(x)) })

	Test[sub(wasm.OpI8x16AllTrue)] = func(a V128) uint32 {
		for _, x := range a.u8() {
			if x == 0 {
				return 0
			}
		}
		return 1
	}
	Test[sub(wasm.OpI8x16Bitmask)] = func(a V128) uint32 {
		var m uint32
		for i, x := range a.u8() {
			m |= uint32(x>>7) << i
		}
		return m
	}

	Shift[sub(wasm.OpI8x16Shl)] = func(a V128, n uint32) V128 {
		return map8(a, func(x uint8) uint8 { return x << (n & 7) })
	}
	Shift[sub(wasm.OpI8x16ShrS)] = func(a V128, n uint32) V128 {
		return map8(a, func(x uint8) uint8 { return uint8(int8(x) >> (n & 7)) })
	}
	Shift[sub(wasm.OpI8x16ShrU)] = func(a V128, n uint32) V128 {
		return map8(a, func(x uint8) uint8 { return x >> (n & 7) })
	}

	Binary[sub(wasm.OpI8x16Add)] = bin8(func(x, y uint8) uint8 { return x + y })
	Binary[sub(wasm.OpI8x16Sub)] = bin8(func(x, y uint8) uint8 { return x - y })
	Binary[sub(wasm.OpI8x16AddSatS)] = bin8(func(x, y uint8) uint8 {
		return uint8(sat(int64(int8(x))+int64(int8(y)), -1<<7, 1<<7-1))
	})
	Binary[sub(wasm.OpI8x16AddSatU)] = bin8(func(x, y uint8) uint8 {
		return uint8(sat(int64(x)+int64(y), 0, 1<<8-1))
	})
	Binary[sub(wasm.OpI8x16SubSatS)] = bin8(func(x, y uint8) uint8 {
		return uint8(sat(int64(int8(x))-int64(int8(y)), -1<<7, 1<<7-1))
	})
	Binary[sub(wasm.OpI8x16SubSatU)] = bin8(func(x, y uint8) uint8 {
		return uint8(sat(int64(x)-int64(y), 0, 1<<8-1))
	})
	Binary[sub(wasm.OpI8x16MinS)] = bin8(func(x, y uint8) uint8 { return uint8(min(int8(x), int8(y))) })
	Binary[sub(wasm.OpI8x16MinU)] = bin8(func(x, y uint8) uint8 { return min(x, y) })
	Binary[sub(wasm.OpI8x16MaxS)] = bin8(func(x, y uint8) uint8 { return uint8(max(int8(x), int8(y))) })
	Binary[sub(wasm.OpI8x16MaxU)] = bin8(func(x, y uint8) uint8 { return max(x, y) })
	Binary[sub(wasm.OpI8x16AvgrU)] = bin8(func(x, y uint8) uint8 { return uint8((uint16(x) + uint16(y) + 1) >> 1) })
}
