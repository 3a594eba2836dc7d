package wasm

import "strings"

// ValType is a value type, encoded as in the binary format.
type ValType byte

const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
)

// String gives the text-format name: "i32", "funcref", ...
func (t ValType) String() string {
	switch t {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return "unknown"
}

// IsRef reports whether t is a reference type.
func (t ValType) IsRef() bool { return t == FuncRef || t == ExternRef }

// Slots is how many 64-bit slots a value of type t takes on an engine's
// value stack: two for v128, one for everything else.
func (t ValType) Slots() int {
	if t == V128 {
		return 2
	}
	return 1
}

// FuncType is a function signature. Make one with NewFuncType, which
// precomputes its key; a literal FuncType works too, but Key then rebuilds
// the key on every call.
type FuncType struct {
	Params  []ValType
	Results []ValType
	// key is a compact identity of the signature, so that call_indirect's
	// structural check is one string compare.
	key string
}

// NewFuncType returns the signature params -> results with its key computed.
// The key is never written later, so a FuncType shared by the instances of
// a module is safe to read from many goroutines.
func NewFuncType(params, results []ValType) FuncType {
	f := FuncType{Params: params, Results: results}
	f.key = f.computeKey()
	return f
}

// Key returns a string that is equal for two FuncTypes exactly when they are
// structurally equal.
func (f *FuncType) Key() string {
	if f.key != "" {
		return f.key
	}
	return f.computeKey()
}

func (f *FuncType) computeKey() string {
	b := make([]byte, 0, len(f.Params)+len(f.Results)+1)
	for _, p := range f.Params {
		b = append(b, byte(p))
	}
	b = append(b, ':')
	for _, r := range f.Results {
		b = append(b, byte(r))
	}
	return string(b)
}

// Equal reports structural equality.
func (f *FuncType) Equal(g *FuncType) bool { return f.Key() == g.Key() }

// String renders the signature as "(i32, i64) -> (f32)".
func (f *FuncType) String() string {
	var b strings.Builder
	writeList := func(ts []ValType) {
		b.WriteByte('(')
		for i, t := range ts {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(t.String())
		}
		b.WriteByte(')')
	}
	writeList(f.Params)
	b.WriteString(" -> ")
	writeList(f.Results)
	return b.String()
}

// ParamSlots and ResultSlots count 64-bit stack slots (v128 takes two).
func (f *FuncType) ParamSlots() int  { return slots(f.Params) }
func (f *FuncType) ResultSlots() int { return slots(f.Results) }

func slots(ts []ValType) int {
	n := 0
	for _, t := range ts {
		n += t.Slots()
	}
	return n
}

// Limits bound a table (in elements) or a memory (in 64 KiB pages).
type Limits struct {
	Min    uint32
	Max    uint32
	HasMax bool
}

// TableType describes a table.
type TableType struct {
	Elem   ValType // FuncRef or ExternRef
	Limits Limits
}

// MemoryType describes a linear memory.
type MemoryType struct {
	Limits Limits
}

// GlobalType describes a global.
type GlobalType struct {
	Val     ValType
	Mutable bool
}

// ExternKind is the kind of an import or export, encoded as in the binary format.
type ExternKind byte

const (
	ExternFunc   ExternKind = 0
	ExternTable  ExternKind = 1
	ExternMemory ExternKind = 2
	ExternGlobal ExternKind = 3
)

func (k ExternKind) String() string {
	switch k {
	case ExternFunc:
		return "func"
	case ExternTable:
		return "table"
	case ExternMemory:
		return "memory"
	case ExternGlobal:
		return "global"
	}
	return "unknown"
}

// PageSize is the size of a linear-memory page.
const PageSize = 65536

// MaxPages is the most pages a 32-bit memory may have (4 GiB).
const MaxPages = 65536
