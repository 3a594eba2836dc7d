package text

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// digitsOK checks num / hexnum syntax: one or more digits, underscores
// only between two digits.
func digitsOK(s string, hex bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if i == 0 || i == len(s)-1 || s[i+1] == '_' {
				return false
			}
			continue
		}
		if hex {
			if hexVal(c) < 0 {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseNat reads an unsigned literal (decimal or 0x hex, with underscores).
// ok is false for bad syntax; overflow is true when it exceeds 64 bits.
func parseNat(s string) (v uint64, ok, overflow bool) {
	base := uint64(10)
	hex := false
	if strings.HasPrefix(s, "0x") {
		s, base, hex = s[2:], 16, true
	}
	if !digitsOK(s, hex) {
		return 0, false, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			continue
		}
		hi, lo := bits.Mul64(v, base)
		lo2, carry := bits.Add64(lo, uint64(hexVal(s[i])), 0)
		if hi != 0 || carry != 0 {
			overflow = true
		}
		v = lo2
	}
	return v, true, overflow
}

// u32 reads an unsigned 32-bit literal without sign (indices, limits,
// memarg fields, lane indices).
func u32(n *node) uint32 {
	if n.kind != kAtom || n.text == "" || n.text[0] < '0' || n.text[0] > '9' {
		failNode(n, "unexpected token %s, expected a number", describe(n))
	}
	v, ok, over := parseNat(n.text)
	if !ok {
		failNode(n, "unknown operator %s: malformed number", n.text)
	}
	if over || v > math.MaxUint32 {
		failNode(n, "i32 constant out of range")
	}
	return uint32(v)
}

// u64 reads an unsigned 64-bit literal without sign (limits, offsets).
func u64(n *node) uint64 {
	if n.kind != kAtom || n.text == "" || n.text[0] < '0' || n.text[0] > '9' {
		failNode(n, "unexpected token %s, expected a number", describe(n))
	}
	v, ok, over := parseNat(n.text)
	if !ok {
		failNode(n, "unknown operator %s: malformed number", n.text)
	}
	if over {
		failNode(n, "i64 constant out of range")
	}
	return v
}

func isNumberToken(n *node) bool {
	if n.kind != kAtom || n.text == "" {
		return false
	}
	c := n.text[0]
	return c >= '0' && c <= '9' || c == '+' || c == '-'
}

// intLit reads an integer literal of the given width (32 or 64): an
// unsigned value below 2^width or a signed one in range. It returns the
// two's-complement bit pattern.
func intLit(n *node, width uint) uint64 {
	if !isNumberToken(n) {
		failNode(n, "unexpected token %s, expected an integer", describe(n))
	}
	s := n.text
	sign := byte(0)
	if s[0] == '+' || s[0] == '-' {
		sign, s = s[0], s[1:]
	}
	v, ok, over := parseNat(s)
	if !ok {
		failNode(n, "unknown operator %s: malformed integer", n.text)
	}
	limit := uint64(1)<<(width-1) - 1 // largest positive signed value
	mask := ^uint64(0) >> (64 - width)
	switch {
	case over:
	case sign == 0 && v <= mask:
		return v
	case sign == '+' && v <= limit:
		return v
	case sign == '-' && v <= limit+1:
		return -v & mask
	}
	failNode(n, "constant out of range")
	return 0
}

// floatLit reads a float literal of the given width and returns its bits.
func floatLit(n *node, width int) uint64 {
	if n.kind != kAtom && n.kind != kKeyword {
		failNode(n, "unexpected token %s, expected a float", describe(n))
	}
	b, ok := floatBits(n.text, width)
	if !ok {
		if _, syntax := normalizeFloat(strings.TrimLeft(n.text, "+-")); syntax {
			failNode(n, "constant out of range")
		}
		failNode(n, "unknown operator %s: malformed float", n.text)
	}
	return b
}

// floatBits converts literal text to the bits of a float32 (width 32,
// in the low half) or float64. ok is false on bad syntax or a value that
// rounds to infinity.
func floatBits(s string, width int) (uint64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var signBit, expMask, fracBits uint64
	if width == 32 {
		signBit, expMask, fracBits = 1<<31, 0xff<<23, 23
	} else {
		signBit, expMask, fracBits = 1<<63, 0x7ff<<52, 52
	}
	sign := uint64(0)
	if neg {
		sign = signBit
	}
	switch {
	case s == "inf":
		return sign | expMask, true
	case s == "nan":
		return sign | expMask | 1<<(fracBits-1), true
	case strings.HasPrefix(s, "nan:0x"):
		p, ok, over := parseNat(s[4:])
		if !ok || over || p == 0 || p >= 1<<fracBits {
			return 0, false
		}
		return sign | expMask | p, true
	}
	lit, ok := normalizeFloat(s)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(lit, width)
	if err != nil && !math.IsInf(f, 0) {
		// Underflow is not an error: the value rounds to zero or a subnormal.
		if ne, isNum := err.(*strconv.NumError); !isNum || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if math.IsInf(f, 0) {
		return 0, false
	}
	if neg {
		f = -f
	}
	if width == 32 {
		return uint64(math.Float32bits(float32(f))), true
	}
	return math.Float64bits(f), true
}

// normalizeFloat checks the syntax of an unsigned finite literal and
// rewrites it for strconv.ParseFloat, which rounds to nearest, ties to even,
// but is unreliable on very long literals and caps huge exponents. So the
// literal is brought to the form 0.DIGITS × base^E with leading zeros
// dropped and at most enough significant digits to decide the rounding
// (768 decimal or 16 hex digits, plus one sticky digit standing for any
// non-zero digits dropped), and E clamped far outside the float range.
func normalizeFloat(s string) (string, bool) {
	hex := strings.HasPrefix(s, "0x")
	if hex {
		s = s[2:]
	}
	expChars := "eE"
	if hex {
		expChars = "pP"
	}
	mant, exp := s, "0"
	if i := strings.IndexAny(s, expChars); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	expNeg := false
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		expNeg = exp[0] == '-'
		exp = exp[1:]
	}
	whole, frac, dot := strings.Cut(mant, ".")
	if !digitsOK(exp, false) || !digitsOK(whole, hex) || (dot && frac != "" && !digitsOK(frac, hex)) {
		return "", false
	}
	e := int64(0)
	for i := 0; i < len(exp); i++ {
		if exp[i] != '_' && e < 1e9 {
			e = e*10 + int64(exp[i]-'0')
		}
	}
	if expNeg {
		e = -e
	}
	whole = strings.ReplaceAll(whole, "_", "")
	digits := strings.TrimLeft(whole+strings.ReplaceAll(frac, "_", ""), "0")
	point := int64(len(whole)) - int64(len(whole+strings.ReplaceAll(frac, "_", ""))-len(digits))
	if digits == "" {
		return "0", true
	}
	keep := 768
	if hex {
		keep = 16
	}
	if len(digits) > keep {
		sticky := strings.Trim(digits[keep:], "0") != ""
		digits = digits[:keep]
		if sticky {
			digits += "1"
		}
	}
	if hex {
		return "0x0." + digits + "p" + strconv.FormatInt(clamp(e+4*point, 5000), 10), true
	}
	return "0." + digits + "e" + strconv.FormatInt(clamp(e+point, 5000), 10), true
}

func clamp(v, limit int64) int64 {
	return max(-limit, min(v, limit))
}
