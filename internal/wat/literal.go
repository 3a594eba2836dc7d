package wat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// formatF32 prints float32 bits exactly: the shortest decimal that parses
// back to the same bits, inf, or nan with its payload.
func formatF32(bits uint32) string {
	const expMask, fracMask, canonical = 0x7f800000, 0x007fffff, 0x00400000
	if bits&expMask == expMask {
		return special(bits>>31 != 0, uint64(bits&fracMask), canonical)
	}
	return strconv.FormatFloat(float64(math.Float32frombits(bits)), 'g', -1, 32)
}

// formatF64 is formatF32 for float64 bits.
func formatF64(bits uint64) string {
	const expMask, fracMask, canonical = 0x7ff0000000000000, 0x000fffffffffffff, 0x0008000000000000
	if bits&expMask == expMask {
		return special(bits>>63 != 0, bits&fracMask, canonical)
	}
	return strconv.FormatFloat(math.Float64frombits(bits), 'g', -1, 64)
}

// special prints an infinity (payload 0) or a NaN.
func special(negative bool, payload, canonical uint64) string {
	s := ""
	if negative {
		s = "-"
	}
	switch payload {
	case 0:
		return s + "inf"
	case canonical:
		return s + "nan"
	}
	return fmt.Sprintf("%snan:0x%x", s, payload)
}

// quote prints b as a text-format string: printable ASCII as itself,
// everything else (and " and \) as \hh escapes.
func quote(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) + 2)
	s.WriteByte('"')
	const hex = "0123456789abcdef"
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			s.WriteByte(c)
			continue
		}
		s.WriteByte('\\')
		s.WriteByte(hex[c>>4])
		s.WriteByte(hex[c&15])
	}
	s.WriteByte('"')
	return s.String()
}

// identifier returns "$name" when name can be written as a text-format
// identifier, else "".
func identifier(name string) string {
	if name == "" {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if !isIDChar(name[i]) {
			return ""
		}
	}
	return "$" + name
}

func isIDChar(c byte) bool {
	switch {
	case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		return true
	}
	return strings.IndexByte("!#$%&'*+-./:<=>?@\\^_`|~", c) >= 0
}

// uniqueNames maps each index to its "$name" identifier, for the names
// that are usable identifiers and given to only one index.
func uniqueNames(names map[uint32]string) map[uint32]string {
	seen := make(map[string]int, len(names))
	for _, n := range names {
		seen[n]++
	}
	out := make(map[uint32]string, len(names))
	for idx, n := range names {
		if id := identifier(n); id != "" && seen[n] == 1 {
			out[idx] = id
		}
	}
	return out
}
