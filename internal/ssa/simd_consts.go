package ssa

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Const128 is a 128-bit constant in memory order: byte 0 is the lowest
// byte of lane 0. vconst values and shuffle selectors are Const128s in the
// function's constant pool, Func.Consts.
type Const128 [16]byte

// Const128Of builds a constant from its low and high 64-bit halves.
func Const128Of(lo, hi uint64) Const128 {
	var c Const128
	binary.LittleEndian.PutUint64(c[:8], lo)
	binary.LittleEndian.PutUint64(c[8:], hi)
	return c
}

// Halves returns the low and high 64-bit halves of c.
func (c Const128) Halves() (lo, hi uint64) {
	return binary.LittleEndian.Uint64(c[:8]), binary.LittleEndian.Uint64(c[8:])
}

// String prints c as one 128-bit hexadecimal number (byte 15 first), the
// way the text form writes it.
func (c Const128) String() string {
	var b strings.Builder
	b.WriteString("0x")
	for i := 15; i >= 0; i-- {
		fmt.Fprintf(&b, "%02x", c[i])
	}
	return b.String()
}

func parseConst128(s string) (Const128, error) {
	var c Const128
	hex, ok := strings.CutPrefix(s, "0x")
	if !ok || len(hex) == 0 || len(hex) > 32 {
		return c, fmt.Errorf("bad 128-bit constant %q", s)
	}
	hex = strings.Repeat("0", 32-len(hex)) + hex
	for i := 0; i < 16; i++ {
		var x byte
		for _, d := range hex[2*i : 2*i+2] {
			switch {
			case d >= '0' && d <= '9':
				x = x<<4 | byte(d-'0')
			case d >= 'a' && d <= 'f':
				x = x<<4 | byte(d-'a'+10)
			case d >= 'A' && d <= 'F':
				x = x<<4 | byte(d-'A'+10)
			default:
				return c, fmt.Errorf("bad 128-bit constant %q", s)
			}
		}
		c[15-i] = x
	}
	return c, nil
}

// AddConst adds c to the constant pool and returns its index; equal
// constants share one entry, so equal indices mean equal constants (GVN
// relies on it).
func (f *Func) AddConst(c Const128) uint32 {
	if i, ok := f.constIdx[c]; ok {
		return i
	}
	if f.constIdx == nil {
		f.constIdx = map[Const128]uint32{}
		for i, k := range f.Consts {
			f.constIdx[k] = uint32(i)
		}
		if i, ok := f.constIdx[c]; ok {
			return i
		}
	}
	f.Consts = append(f.Consts, c)
	i := uint32(len(f.Consts) - 1)
	f.constIdx[c] = i
	return i
}

// Const is the constant pool entry i (the zero constant if i is out of range).
func (f *Func) Const(i uint64) Const128 {
	if i < uint64(len(f.Consts)) {
		return f.Consts[i]
	}
	return Const128{}
}

func (f *Func) constText(i uint64) string {
	if i >= uint64(len(f.Consts)) {
		return "const?" // the verifier reports it
	}
	return f.Consts[i].String()
}
