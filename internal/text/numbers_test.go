package text

import (
	"math"
	"strings"
	"testing"
)

func atom(s string) *node {
	n := &node{kind: kAtom, text: s, line: 1, col: 1}
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		n.kind = kKeyword
	}
	return n
}

// try runs fn and reports the error it throws, if any.
func try(fn func()) (err error) {
	defer catch(&err)
	fn()
	return nil
}

func TestIntLiterals(t *testing.T) {
	cases := []struct {
		s     string
		width uint
		want  uint64
		ok    bool
	}{
		{"0", 32, 0, true},
		{"4294967295", 32, 0xffffffff, true},
		{"4294967296", 32, 0, false},
		{"-1", 32, 0xffffffff, true},
		{"-2147483648", 32, 0x80000000, true},
		{"-2147483649", 32, 0, false},
		{"+2147483647", 32, 0x7fffffff, true},
		{"+2147483648", 32, 0, false},
		{"0xffff_ffff", 32, 0xffffffff, true},
		{"1_000", 32, 1000, true},
		{"1__0", 32, 0, false},
		{"_1", 32, 0, false},
		{"1_", 32, 0, false},
		{"0x", 32, 0, false},
		{"-0x8000_0000_0000_0000", 64, 1 << 63, true},
		{"18446744073709551615", 64, math.MaxUint64, true},
		{"18446744073709551616", 64, 0, false},
		{"-128", 8, 0x80, true},
		{"255", 8, 0xff, true},
		{"256", 8, 0, false},
	}
	for _, c := range cases {
		var got uint64
		err := try(func() { got = intLit(atom(c.s), c.width) })
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("i%d %q: got %#x, %v; want %#x ok=%v", c.width, c.s, got, err, c.want, c.ok)
		}
	}
}

func TestFloatLiterals(t *testing.T) {
	f32 := func(v float32) uint64 { return uint64(math.Float32bits(v)) }
	cases := []struct {
		s     string
		width int
		want  uint64
		ok    bool
	}{
		{"0x1.8p+3", 64, math.Float64bits(12), true},
		{"0x1p-1", 32, f32(0.5), true},
		{"-0x1.fffffep127", 32, f32(-math.MaxFloat32), true},
		{"0x1p128", 32, 0, false},
		{"1e39", 32, 0, false},
		{"1e-50", 32, 0, true},
		{"inf", 32, 0x7f800000, true},
		{"-inf", 64, 0xfff0000000000000, true},
		{"nan", 32, 0x7fc00000, true},
		{"-nan", 64, 0xfff8000000000000, true},
		{"nan:0x200000", 32, 0x7fa00000, true},
		{"nan:0x1", 64, 0x7ff0000000000001, true},
		{"nan:0x0", 32, 0, false},
		{"nan:0x800000", 32, 0, false},
		{"1_000.000_1", 64, math.Float64bits(1000.0001), true},
		{"1.", 64, math.Float64bits(1), true},
		{"1.e1", 64, math.Float64bits(10), true},
		{".5", 64, 0, false},
		{"0x1.p1", 64, math.Float64bits(2), true},
		{"0x10", 64, math.Float64bits(16), true},
		{"1e", 64, 0, false},
		// Ties round to even: 1 + 2^-24 lies halfway between two float32s.
		{"0x1.000001p0", 32, f32(1), true},
		{"0x1.000003p0", 32, f32(1 + 1.0/(1<<22)), true},
		// Just above halfway rounds up (the sticky bit).
		{"0x1.00000100000000001p0", 32, f32(1 + 1.0/(1<<23)), true},
		{"1.000000059604644775390625", 32, f32(1), true},
		{"1.000000059604644775390626", 32, f32(1 + 1.0/(1<<23)), true},
		{"0x1.fffffffffffff8p0", 64, math.Float64bits(2), true},
		{"4e-45", 32, 3, true},
		{"0x0.0000000000001p-1022", 64, 1, true},
	}
	// Very long literals: strconv alone gets these wrong.
	cases = append(cases, []struct {
		s     string
		width int
		want  uint64
		ok    bool
	}{
		{strings.Repeat("1", 2000) + "e-1000", 64, 0, false},
		{strings.Repeat("1", 2000) + "e-1990", 64, math.Float64bits(1.111111111111111111e9), true},
		{"0." + strings.Repeat("0", 20000) + "1e20000", 64, math.Float64bits(0.1), true},
		{"0x" + strings.Repeat("1", 200000) + "p-99999999999", 64, 0, true},
		{"0x1" + strings.Repeat("0", 5) + "1p-24", 32, f32(1), true}, // 1 + 2^-24: a tie, to even
		// Halfway, then a non-zero digit far beyond the kept ones: rounds up.
		{"0x1.000001" + strings.Repeat("0", 100) + "1p0", 32, f32(1 + 1.0/(1<<23)), true},
		{"1.000000059604644775390625" + strings.Repeat("0", 1000) + "1", 32, f32(1 + 1.0/(1<<23)), true},
	}...)
	for _, c := range cases {
		var got uint64
		err := try(func() { got = floatLit(atom(c.s), c.width) })
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("f%d %q: got %#x, %v; want %#x ok=%v", c.width, c.s, got, err, c.want, c.ok)
		}
	}
}

func TestStrings(t *testing.T) {
	cases := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`abc`, "abc", true},
		{`\n\t\r\\\'\"`, "\n\t\r\\'\"", true},
		{`\00\ff\7F`, "\x00\xff\x7f", true},
		{`\u{41}\u{10FFFF}\u{e9}`, "A\U0010FFFF\u00e9", true},
		{`\u{D800}`, "", false},
		{`\u{110000}`, "", false},
		{`\x`, "", false},
		{`\0`, "", false},
		{"a\x01", "", false},
		{"h\u00e9", "h\u00e9", true},
	}
	for _, c := range cases {
		var got []byte
		err := try(func() { got = stringBytes(&node{kind: kString, text: c.raw}) })
		if (err == nil) != c.ok || (c.ok && string(got) != c.want) {
			t.Errorf("%q: got %q, %v; want %q ok=%v", c.raw, got, err, c.want, c.ok)
		}
	}
	if err := try(func() { name(&node{kind: kString, text: `\80`}) }); err == nil {
		t.Error("name with invalid UTF-8 accepted")
	}
}
