package text

import "unicode/utf8"

// stringBytes decodes string token n: escapes \t \n \r \" \' \\ \hh and
// \u{hex}. Raw control characters are not allowed.
func stringBytes(n *node) []byte {
	if n.kind != kString {
		failNode(n, "unexpected token %s, expected a string", describe(n))
	}
	s := n.text
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			failNode(n, "illegal control character in string")
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			failNode(n, "illegal escape")
		}
		switch e := s[i]; e {
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case '"', '\'', '\\':
			out = append(out, e)
		case 'u':
			r, next := unicodeEscape(n, s, i+1)
			out = utf8.AppendRune(out, r)
			i = next - 1
		default:
			if i+1 >= len(s) || hexVal(s[i]) < 0 || hexVal(s[i+1]) < 0 {
				failNode(n, "illegal escape")
			}
			out = append(out, byte(hexVal(s[i])<<4|hexVal(s[i+1])))
			i++
		}
	}
	return out
}

// unicodeEscape reads "{hex}" at s[i:] and returns the code point and the
// index after the closing brace.
func unicodeEscape(n *node, s string, i int) (rune, int) {
	if i >= len(s) || s[i] != '{' {
		failNode(n, "illegal escape")
	}
	i++
	v := 0
	digits := 0
	for i < len(s) && s[i] != '}' {
		if s[i] == '_' && digits > 0 && i+1 < len(s) && hexVal(s[i+1]) >= 0 {
			i++
			continue
		}
		d := hexVal(s[i])
		if d < 0 {
			failNode(n, "illegal escape")
		}
		v = v<<4 | d
		if v > 0x10FFFF {
			failNode(n, "illegal escape: code point out of range")
		}
		digits++
		i++
	}
	if i >= len(s) || digits == 0 {
		failNode(n, "illegal escape")
	}
	if v >= 0xD800 && v < 0xE000 {
		failNode(n, "illegal escape: surrogate code point")
	}
	return rune(v), i + 1
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// name decodes a string that must be valid UTF-8 (import, export and
// module names).
func name(n *node) string {
	b := stringBytes(n)
	if !utf8.Valid(b) {
		failNode(n, "malformed UTF-8 encoding")
	}
	return string(b)
}
