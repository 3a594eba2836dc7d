package simd

// V128 is a 128-bit vector. It is little-endian: byte i of the vector is
// byte i of Lo for i < 8 and byte i-8 of Hi otherwise, so lane 0 of every
// shape lives in the low bits of Lo.
type V128 struct{ Lo, Hi uint64 }

// Lane views. Unpacking into fixed arrays keeps every lane loop on the stack.

func (v V128) u8() (l [16]uint8) {
	for i := 0; i < 8; i++ {
		l[i] = uint8(v.Lo >> (8 * i))
		l[i+8] = uint8(v.Hi >> (8 * i))
	}
	return l
}

func (v V128) u16() (l [8]uint16) {
	for i := 0; i < 4; i++ {
		l[i] = uint16(v.Lo >> (16 * i))
		l[i+4] = uint16(v.Hi >> (16 * i))
	}
	return l
}

func (v V128) u32() [4]uint32 {
	return [4]uint32{uint32(v.Lo), uint32(v.Lo >> 32), uint32(v.Hi), uint32(v.Hi >> 32)}
}

func (v V128) u64() [2]uint64 { return [2]uint64{v.Lo, v.Hi} }

func from8(l [16]uint8) (v V128) {
	for i := 0; i < 8; i++ {
		v.Lo |= uint64(l[i]) << (8 * i)
		v.Hi |= uint64(l[i+8]) << (8 * i)
	}
	return v
}

func from16(l [8]uint16) (v V128) {
	for i := 0; i < 4; i++ {
		v.Lo |= uint64(l[i]) << (16 * i)
		v.Hi |= uint64(l[i+4]) << (16 * i)
	}
	return v
}

func from32(l [4]uint32) V128 {
	return V128{Lo: uint64(l[0]) | uint64(l[1])<<32, Hi: uint64(l[2]) | uint64(l[3])<<32}
}

func from64(l [2]uint64) V128 { return V128{Lo: l[0], Hi: l[1]} }

// Lane-wise helpers: each takes a function on one lane (as the unsigned bit
// pattern) and applies it to every lane.

func map8(a V128, f func(uint8) uint8) V128 {
	x := a.u8()
	for i := range x {
		x[i] = f(x[i])
	}
	return from8(x)
}

func map16(a V128, f func(uint16) uint16) V128 {
	x := a.u16()
	for i := range x {
		x[i] = f(x[i])
	}
	return from16(x)
}

func map32(a V128, f func(uint32) uint32) V128 {
	x := a.u32()
	for i := range x {
		x[i] = f(x[i])
	}
	return from32(x)
}

func map64(a V128, f func(uint64) uint64) V128 {
	return V128{Lo: f(a.Lo), Hi: f(a.Hi)}
}

func zip8(a, b V128, f func(x, y uint8) uint8) V128 {
	x, y := a.u8(), b.u8()
	for i := range x {
		x[i] = f(x[i], y[i])
	}
	return from8(x)
}

func zip16(a, b V128, f func(x, y uint16) uint16) V128 {
	x, y := a.u16(), b.u16()
	for i := range x {
		x[i] = f(x[i], y[i])
	}
	return from16(x)
}

func zip32(a, b V128, f func(x, y uint32) uint32) V128 {
	x, y := a.u32(), b.u32()
	for i := range x {
		x[i] = f(x[i], y[i])
	}
	return from32(x)
}

func zip64(a, b V128, f func(x, y uint64) uint64) V128 {
	return V128{Lo: f(a.Lo, b.Lo), Hi: f(a.Hi, b.Hi)}
}

// Table builders: they turn a lane function into a table entry.

func un8(f func(uint8) uint8) func(V128) V128    { return func(a V128) V128 { return map8(a, f) } }
func un16(f func(uint16) uint16) func(V128) V128 { return func(a V128) V128 { return map16(a, f) } }
func un32(f func(uint32) uint32) func(V128) V128 { return func(a V128) V128 { return map32(a, f) } }
func un64(f func(uint64) uint64) func(V128) V128 { return func(a V128) V128 { return map64(a, f) } }

func bin8(f func(x, y uint8) uint8) func(a, b V128) V128 {
	return func(a, b V128) V128 { return zip8(a, b, f) }
}

func bin16(f func(x, y uint16) uint16) func(a, b V128) V128 {
	return func(a, b V128) V128 { return zip16(a, b, f) }
}

func bin32(f func(x, y uint32) uint32) func(a, b V128) V128 {
	return func(a, b V128) V128 { return zip32(a, b, f) }
}

func bin64(f func(x, y uint64) uint64) func(a, b V128) V128 {
	return func(a, b V128) V128 { return zip64(a, b, f) }
}

// mask turns a comparison result into an all-ones or all-zeros lane.
func mask[T uint8 | uint16 | uint32 | uint64](c bool) T {
	if c {
		return ^T(0)
	}
	return 0
}

func cmp8(f func(x, y uint8) bool) func(a, b V128) V128 {
	return bin8(func(x, y uint8) uint8 { return mask[uint8](f(x, y)) })
}

func cmp16(f func(x, y uint16) bool) func(a, b V128) V128 {
	return bin16(func(x, y uint16) uint16 { return mask[uint16](f(x, y)) })
}

func cmp32(f func(x, y uint32) bool) func(a, b V128) V128 {
	return bin32(func(x, y uint32) uint32 { return mask[uint32](f(x, y)) })
}

func cmp64(f func(x, y uint64) bool) func(a, b V128) V128 {
	return bin64(func(x, y uint64) uint64 { return mask[uint64](f(x, y)) })
}
