package binary

// LEB128 decoding with the spec's exactness rules: an encoding may use at
// most ceil(N/7) bytes, and the unused bits of its last byte must be zero
// (unsigned) or a copy of the sign bit (signed). Each function returns the
// value, the number of bytes used, and a message ("" on success) so that the
// callers can attach the right offset.

const (
	msgUnexpectedEnd = "unexpected end"
	msgTooLong       = "integer representation too long"
	msgTooLarge      = "integer too large"
)

// readU32 decodes an unsigned 32-bit LEB128 from b.
func readU32(b []byte) (uint32, int, string) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint32(b[0]), 1, ""
	}
	var v uint32
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, i, msgUnexpectedEnd
		}
		c := b[i]
		if i == 4 {
			if c&0x80 != 0 {
				return 0, i + 1, msgTooLong
			}
			if c&0x70 != 0 {
				return 0, i + 1, msgTooLarge
			}
		}
		v |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, ""
		}
	}
	return 0, 5, msgTooLong // unreachable: the fifth byte always returns
}

// readSigned decodes a signed LEB128 of the given bit width (32, 33 or 64)
// into an int64.
func readSigned(b []byte, bits int) (int64, int, string) {
	if len(b) > 0 && b[0] < 0x80 {
		return int64(int8(b[0]<<1) >> 1), 1, ""
	}
	maxBytes := (bits + 6) / 7
	var v int64
	shift := 0
	for i := 0; i < maxBytes; i++ {
		if i >= len(b) {
			return 0, i, msgUnexpectedEnd
		}
		c := b[i]
		if i == maxBytes-1 {
			if c&0x80 != 0 {
				return 0, i + 1, msgTooLong
			}
			// Bits of the last byte at or above the value's sign bit must
			// all equal it.
			used := bits - 7*i // value bits in this byte, sign bit included
			mask := byte(0x7f) &^ (byte(1)<<(used-1) - 1)
			if rest := c & mask; rest != 0 && rest != mask {
				return 0, i + 1, msgTooLarge
			}
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1, ""
		}
	}
	return 0, maxBytes, msgTooLong // unreachable
}

// readU64 decodes an unsigned 64-bit LEB128 from b.
func readU64(b []byte) (uint64, int, string) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1, ""
	}
	var v uint64
	for i := 0; i < 10; i++ {
		if i >= len(b) {
			return 0, i, msgUnexpectedEnd
		}
		c := b[i]
		if i == 9 {
			if c&0x80 != 0 {
				return 0, i + 1, msgTooLong
			}
			if c&0x7e != 0 {
				return 0, i + 1, msgTooLarge
			}
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1, ""
		}
	}
	return 0, 10, msgTooLong // unreachable: the tenth byte always returns
}
