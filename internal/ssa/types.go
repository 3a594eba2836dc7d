package ssa

import (
	"strconv"
	"strings"
)

// Type is the type of a value. Pointers are I64; booleans are I32 (0 or 1).
type Type uint8

const (
	TypeInvalid Type = iota
	I32
	I64
	F32
	F64
	V128 // 128-bit vector; the SIMD opcodes come with issue #5
)

var typeNames = [...]string{TypeInvalid: "invalid", I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type" + strconv.Itoa(int(t))
}

// IsInt reports whether t is I32 or I64.
func (t Type) IsInt() bool { return t == I32 || t == I64 }

// IsFloat reports whether t is F32 or F64.
func (t Type) IsFloat() bool { return t == F32 || t == F64 }

// Bits is the width of t in bits (0 for TypeInvalid).
func (t Type) Bits() int {
	switch t {
	case I32, F32:
		return 32
	case I64, F64:
		return 64
	case V128:
		return 128
	}
	return 0
}

func parseType(s string) (Type, bool) {
	for t, name := range typeNames {
		if t != 0 && name == s {
			return Type(t), true
		}
	}
	return TypeInvalid, false
}

// Value names one SSA value of a function: an instruction result or a block
// parameter. Values are small dense indices into the function's value
// table; NoValue marks "none".
type Value int32

// NoValue is the absent value.
const NoValue Value = -1

func (v Value) String() string {
	if v < 0 {
		return "none"
	}
	return "v" + strconv.Itoa(int(v))
}

// Signature is the type of a function: parameters and results.
type Signature struct {
	Params  []Type
	Results []Type
}

// SigRef indexes Func.Sigs; call and call_indirect carry one.
type SigRef int32

// FuncRef names a callee of a direct call. Its meaning (a module function,
// a runtime builtin) is the frontend's and back end's business.
type FuncRef uint32

func (s Signature) String() string {
	var b strings.Builder
	b.WriteByte('(')
	writeTypes(&b, s.Params)
	b.WriteByte(')')
	if len(s.Results) > 0 {
		b.WriteString(" -> ")
		writeTypes(&b, s.Results)
	}
	return b.String()
}

func writeTypes(b *strings.Builder, ts []Type) {
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.String())
	}
}

func equalTypes(a, b []Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// IntCC is the condition of icmp.
type IntCC uint8

const (
	IntEQ IntCC = iota
	IntNE
	IntSLT
	IntSLE
	IntSGT
	IntSGE
	IntULT
	IntULE
	IntUGT
	IntUGE
	numIntCC
)

var intCCNames = [...]string{"eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"}

func (c IntCC) String() string {
	if c < numIntCC {
		return intCCNames[c]
	}
	return "intcc" + strconv.Itoa(int(c))
}

// Swap is the condition that holds for (y, x) when c holds for (x, y).
func (c IntCC) Swap() IntCC {
	switch c {
	case IntSLT:
		return IntSGT
	case IntSLE:
		return IntSGE
	case IntSGT:
		return IntSLT
	case IntSGE:
		return IntSLE
	case IntULT:
		return IntUGT
	case IntULE:
		return IntUGE
	case IntUGT:
		return IntULT
	case IntUGE:
		return IntULE
	}
	return c
}

// Invert is the condition that holds exactly when c does not.
func (c IntCC) Invert() IntCC {
	switch c {
	case IntEQ:
		return IntNE
	case IntNE:
		return IntEQ
	case IntSLT:
		return IntSGE
	case IntSLE:
		return IntSGT
	case IntSGT:
		return IntSLE
	case IntSGE:
		return IntSLT
	case IntULT:
		return IntUGE
	case IntULE:
		return IntUGT
	case IntUGT:
		return IntULE
	case IntUGE:
		return IntULT
	}
	return c
}

// FloatCC is the condition of fcmp. FloatNE is "unordered or not equal"
// (true when either operand is NaN); every other condition is ordered
// (false when either operand is NaN). These are WebAssembly's ne/eq/lt/...
type FloatCC uint8

const (
	FloatEQ FloatCC = iota
	FloatNE
	FloatLT
	FloatLE
	FloatGT
	FloatGE
	numFloatCC
)

var floatCCNames = [...]string{"eq", "ne", "lt", "le", "gt", "ge"}

func (c FloatCC) String() string {
	if c < numFloatCC {
		return floatCCNames[c]
	}
	return "floatcc" + strconv.Itoa(int(c))
}

// MemFlags qualify a load or store.
type MemFlags uint8

const (
	// MemNoTrap: the access is known to be in bounds (a dominating check
	// proved it), so it cannot fault; an unused notrap load is dead code.
	MemNoTrap MemFlags = 1 << iota
	// MemReadOnly: nothing stores to the location while the function
	// runs (for example a field of the execution context that only the
	// runtime changes between calls), so the load is a pure function of
	// its address and may be merged with an identical one or hoisted.
	MemReadOnly
)

var memFlagNames = [...]string{"notrap", "readonly"}
