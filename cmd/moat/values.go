package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/moat-run/moat/internal/wasm"
)

// parseArgs turns command-line words into raw stack words for params (v128
// takes two words, low half first), naming the offending argument on error.
func parseArgs(params []wasm.ValType, args []string) ([]uint64, error) {
	if len(args) != len(params) {
		return nil, fmt.Errorf("function takes %d argument(s) %s, got %d", len(params), typeList(params), len(args))
	}
	words := make([]uint64, 0, len(params)+1)
	for i, t := range params {
		w, err := parseValue(t, args[i])
		if err != nil {
			return nil, fmt.Errorf("argument %d (%s): %v", i+1, t, err)
		}
		words = append(words, w...)
	}
	return words, nil
}

func typeList(ts []wasm.ValType) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.String()
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// parseValue parses one argument of type t into its stack words.
func parseValue(t wasm.ValType, s string) ([]uint64, error) {
	switch t {
	case wasm.I32:
		v, err := parseInt(s, 32)
		return []uint64{uint64(uint32(v))}, err
	case wasm.I64:
		v, err := parseInt(s, 64)
		return []uint64{v}, err
	case wasm.F32:
		f, err := parseFloat(s, 32)
		return []uint64{uint64(math.Float32bits(float32(f)))}, err
	case wasm.F64:
		f, err := parseFloat(s, 64)
		return []uint64{math.Float64bits(f)}, err
	case wasm.V128:
		lo, hi, err := parseV128(s)
		return []uint64{lo, hi}, err
	case wasm.FuncRef, wasm.ExternRef:
		// Only null can be named on a command line; a host word would let a
		// user forge a reference.
		if s == "null" || s == "0" {
			return []uint64{0}, nil
		}
		return nil, fmt.Errorf("only %q can be passed as a %s", "null", t)
	}
	return nil, fmt.Errorf("unsupported type")
}

// parseInt accepts signed decimal or 0x-hex (optionally negative) that fits
// in bits, either as a signed or as an unsigned number; it returns the
// two's-complement bit pattern.
func parseInt(s string, bits int) (uint64, error) {
	neg := false
	body := s
	if strings.HasPrefix(body, "-") {
		neg, body = true, body[1:]
	} else if strings.HasPrefix(body, "+") {
		body = body[1:]
	}
	base := 10
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		base, body = 16, body[2:]
	}
	body = strings.ReplaceAll(body, "_", "")
	if body == "" {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	u, err := strconv.ParseUint(body, base, bits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a %d-bit integer", s, bits)
	}
	if neg {
		// -x must fit as a signed value: x <= 2^(bits-1).
		if u > uint64(1)<<(bits-1) {
			return 0, fmt.Errorf("%q is not a %d-bit integer", s, bits)
		}
		u = -u
		if bits == 32 {
			u = uint64(uint32(u))
		}
	}
	return u, nil
}

// parseFloat accepts Go float syntax plus nan, inf, +inf, -inf and -0.
func parseFloat(s string, bits int) (float64, error) {
	switch strings.ToLower(s) {
	case "nan", "+nan":
		return math.NaN(), nil
	case "-nan":
		return math.Copysign(math.NaN(), -1), nil
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), nil
	case "-inf", "-infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// parseV128 accepts 0x followed by up to 32 hex digits, written most
// significant byte first (as printed by formatResults).
func parseV128(s string) (lo, hi uint64, err error) {
	body, ok := strings.CutPrefix(strings.ToLower(s), "0x")
	if !ok || body == "" || len(body) > 32 {
		return 0, 0, fmt.Errorf("%q is not a v128 (0x followed by up to 32 hex digits)", s)
	}
	body = strings.Repeat("0", 32-len(body)) + body
	hi, err1 := strconv.ParseUint(body[:16], 16, 64)
	lo, err2 := strconv.ParseUint(body[16:], 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not a v128 (0x followed by up to 32 hex digits)", s)
	}
	return lo, hi, nil
}

// formatResults renders result words, one value per line.
func formatResults(results []wasm.ValType, words []uint64) []string {
	lines := make([]string, 0, len(results))
	w := 0
	for _, t := range results {
		if w+t.Slots() > len(words) {
			break
		}
		switch t {
		case wasm.I32:
			lines = append(lines, strconv.FormatInt(int64(int32(uint32(words[w]))), 10))
		case wasm.I64:
			lines = append(lines, strconv.FormatInt(int64(words[w]), 10))
		case wasm.F32:
			lines = append(lines, formatFloat(float64(math.Float32frombits(uint32(words[w]))), 32))
		case wasm.F64:
			lines = append(lines, formatFloat(math.Float64frombits(words[w]), 64))
		case wasm.V128:
			lines = append(lines, fmt.Sprintf("0x%016x%016x", words[w+1], words[w]))
		case wasm.FuncRef, wasm.ExternRef:
			if words[w] == 0 {
				lines = append(lines, "null")
			} else {
				lines = append(lines, fmt.Sprintf("%s:0x%x", t, words[w]))
			}
		default:
			lines = append(lines, fmt.Sprintf("0x%x", words[w]))
		}
		w += t.Slots()
	}
	return lines
}

// formatFloat is Go's shortest representation, with the spellings parseFloat
// reads back for the special values.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f) && math.Signbit(f):
		return "-nan"
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}
