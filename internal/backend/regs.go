package backend

import (
	"math/bits"
	"strconv"
	"strings"
)

// RegClass is a register bank. Every virtual register belongs to one class
// and is only ever assigned physical registers (and spill slots) of it.
type RegClass uint8

const (
	// ClassInt holds integers and pointers (general-purpose registers).
	ClassInt RegClass = iota
	// ClassFloat holds floats and vectors (XMM on amd64, V on arm64).
	ClassFloat
	// NumClasses is the number of register classes.
	NumClasses = 2
)

func (c RegClass) String() string {
	switch c {
	case ClassInt:
		return "int"
	case ClassFloat:
		return "float"
	}
	return "class" + strconv.Itoa(int(c))
}

// PReg is a physical register: its class and its hardware number (0..31)
// in that class, packed as class*32 + number. A target maps PRegs to its own
// register type; the back end only compares them and keeps them in RegSets.
type PReg uint8

// NoPReg means "no physical register".
const NoPReg PReg = 0xFF

// maxPRegs is the number of distinct PRegs (32 per class).
const maxPRegs = 32 * NumClasses

// NewPReg is register number hw (0..31) of class c.
func NewPReg(c RegClass, hw int) PReg { return PReg(uint8(c)<<5 | uint8(hw&31)) }

// Class is the register's class.
func (p PReg) Class() RegClass { return RegClass(p >> 5) }

// HW is the register's hardware number within its class.
func (p PReg) HW() int { return int(p & 31) }

// Valid reports whether p is a real register (not NoPReg, known class).
func (p PReg) Valid() bool { return p < maxPRegs }

func (p PReg) String() string {
	if !p.Valid() {
		return "noreg"
	}
	if p.Class() == ClassFloat {
		return "f" + strconv.Itoa(p.HW())
	}
	return "r" + strconv.Itoa(p.HW())
}

// RegSet is a set of physical registers (bit i is PReg(i)).
type RegSet uint64

// RegSetOf returns the set holding the given registers.
func RegSetOf(regs ...PReg) RegSet {
	var s RegSet
	for _, r := range regs {
		s = s.With(r)
	}
	return s
}

// With returns s plus r.
func (s RegSet) With(r PReg) RegSet {
	if !r.Valid() {
		return s
	}
	return s | 1<<r
}

// Without returns s minus r.
func (s RegSet) Without(r PReg) RegSet {
	if !r.Valid() {
		return s
	}
	return s &^ (1 << r)
}

// Has reports whether r is in s.
func (s RegSet) Has(r PReg) bool { return r.Valid() && s&(1<<r) != 0 }

// Len is the number of registers in s.
func (s RegSet) Len() int { return bits.OnesCount64(uint64(s)) }

// Regs lists the registers of s in increasing order.
func (s RegSet) Regs() []PReg {
	out := make([]PReg, 0, s.Len())
	for x := uint64(s); x != 0; x &= x - 1 {
		out = append(out, PReg(bits.TrailingZeros64(x)))
	}
	return out
}

func (s RegSet) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range s.Regs() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.String())
	}
	b.WriteByte('}')
	return b.String()
}
