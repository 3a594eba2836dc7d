package wasm

import (
	"strconv"
	"strings"
)

// ValType is a value type. A number or vector type is its binary code
// (0x7f for i32 … 0x7b for v128). A reference type packs its nullability
// into the low byte (0x63 for `ref null`, 0x64 for `ref`) and its heap type
// into bits 8-39, so that every value type is one comparable word and
// equal types are equal words (within one module: a concrete heap type is
// a type index of the module that names it).
//
// The zero ValType is no type; the validator uses it for the bottom type of
// unreachable code.
type ValType uint64

const (
	I32  ValType = 0x7f
	I64  ValType = 0x7e
	F32  ValType = 0x7d
	F64  ValType = 0x7c
	V128 ValType = 0x7b

	// PackedI8 and PackedI16 are the packed storage types of struct and
	// array fields; they are never the type of a value.
	PackedI8  ValType = 0x78
	PackedI16 ValType = 0x77
)

// The reference-type prefixes of the binary format, kept as the low byte of
// a reference ValType.
const (
	codeRefNull = 0x63
	codeRef     = 0x64
)

// HeapType is the heap type of a reference: a type index of the module, or
// one of the abstract heap types. Abstract heap types live at the top of
// the 32-bit range (HeapAbstractBase | their binary code byte), so a type
// index must stay below HeapAbstractBase (the decoder caps the number of
// types far lower).
type HeapType uint32

// HeapAbstractBase is the first abstract heap type value.
const HeapAbstractBase HeapType = 0xFFFF_FF00

// The abstract heap types, by binary code. HeapBot is the bottom of every
// hierarchy; only the validator makes it (for unreachable code).
const (
	HeapExn      = HeapAbstractBase | 0x69
	HeapArray    = HeapAbstractBase | 0x6a
	HeapStruct   = HeapAbstractBase | 0x6b
	HeapI31      = HeapAbstractBase | 0x6c
	HeapEq       = HeapAbstractBase | 0x6d
	HeapAny      = HeapAbstractBase | 0x6e
	HeapExtern   = HeapAbstractBase | 0x6f
	HeapFunc     = HeapAbstractBase | 0x70
	HeapNone     = HeapAbstractBase | 0x71
	HeapNoExtern = HeapAbstractBase | 0x72
	HeapNoFunc   = HeapAbstractBase | 0x73
	HeapNoExn    = HeapAbstractBase | 0x74
	HeapBot      = HeapAbstractBase | 0x00
)

// RefType returns the reference type (ref null? ht).
func RefType(nullable bool, ht HeapType) ValType {
	code := ValType(codeRef)
	if nullable {
		code = codeRefNull
	}
	return code | ValType(ht)<<8
}

// The reference types that have a shorthand name: nullable references to
// an abstract heap type.
const (
	FuncRef       = ValType(codeRefNull) | ValType(HeapFunc)<<8
	ExternRef     = ValType(codeRefNull) | ValType(HeapExtern)<<8
	ExnRef        = ValType(codeRefNull) | ValType(HeapExn)<<8
	AnyRef        = ValType(codeRefNull) | ValType(HeapAny)<<8
	EqRef         = ValType(codeRefNull) | ValType(HeapEq)<<8
	I31Ref        = ValType(codeRefNull) | ValType(HeapI31)<<8
	StructRef     = ValType(codeRefNull) | ValType(HeapStruct)<<8
	ArrayRef      = ValType(codeRefNull) | ValType(HeapArray)<<8
	NullRef       = ValType(codeRefNull) | ValType(HeapNone)<<8
	NullFuncRef   = ValType(codeRefNull) | ValType(HeapNoFunc)<<8
	NullExternRef = ValType(codeRefNull) | ValType(HeapNoExtern)<<8
	NullExnRef    = ValType(codeRefNull) | ValType(HeapNoExn)<<8
)

// IsRef reports whether t is a reference type.
func (t ValType) IsRef() bool { c := byte(t); return c == codeRef || c == codeRefNull }

// IsNum reports whether t is i32, i64, f32 or f64.
func (t ValType) IsNum() bool { return t >= F64 && t <= I32 }

// Nullable reports whether a reference type admits null.
func (t ValType) Nullable() bool { return byte(t) == codeRefNull }

// Heap is the heap type of a reference type.
func (t ValType) Heap() HeapType { return HeapType(t >> 8) }

// AsNonNull and AsNullable change a reference type's nullability.
func (t ValType) AsNonNull() ValType  { return RefType(false, t.Heap()) }
func (t ValType) AsNullable() ValType { return RefType(true, t.Heap()) }

// HasTypeIndex reports whether t refers to a type of its module.
func (t ValType) HasTypeIndex() bool { return t.IsRef() && !t.Heap().IsAbstract() }

// Defaultable reports whether locals of type t start with a default value
// (zero or null), which every type but non-nullable references has.
func (t ValType) Defaultable() bool { return !t.IsRef() || t.Nullable() }

// Valid reports whether t is a well-formed value type (a concrete heap type
// is not checked against any module).
func (t ValType) Valid() bool {
	switch {
	case t.IsNum(), t == V128:
		return true
	case t.IsRef():
		h := t.Heap()
		return t>>40 == 0 && h != HeapBot && (!h.IsAbstract() || h.knownAbstract())
	}
	return false
}

// String gives the text-format name: "i32", "funcref", "(ref null $3)"…
// A concrete heap type prints as its type index.
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
	case PackedI8:
		return "i8"
	case PackedI16:
		return "i16"
	}
	if !t.IsRef() {
		return "unknown"
	}
	h := t.Heap()
	if t.Nullable() && h.IsAbstract() {
		if name, ok := shorthandNames[h]; ok {
			return name
		}
	}
	s := "(ref "
	if t.Nullable() {
		s += "null "
	}
	return s + h.String() + ")"
}

var shorthandNames = map[HeapType]string{
	HeapFunc: "funcref", HeapExtern: "externref", HeapExn: "exnref", HeapAny: "anyref",
	HeapEq: "eqref", HeapI31: "i31ref", HeapStruct: "structref", HeapArray: "arrayref",
	HeapNone: "nullref", HeapNoFunc: "nullfuncref", HeapNoExtern: "nullexternref", HeapNoExn: "nullexnref",
}

var heapNames = map[HeapType]string{
	HeapFunc: "func", HeapExtern: "extern", HeapExn: "exn", HeapAny: "any", HeapEq: "eq",
	HeapI31: "i31", HeapStruct: "struct", HeapArray: "array", HeapNone: "none",
	HeapNoFunc: "nofunc", HeapNoExtern: "noextern", HeapNoExn: "noexn", HeapBot: "bot",
}

// IsAbstract reports whether h is an abstract heap type rather than a type index.
func (h HeapType) IsAbstract() bool { return h >= HeapAbstractBase }

func (h HeapType) knownAbstract() bool { _, ok := heapNames[h]; return ok }

// Index is the type index of a concrete heap type.
func (h HeapType) Index() uint32 { return uint32(h) }

// String gives "func", "extern", … or the type index.
func (h HeapType) String() string {
	if !h.IsAbstract() {
		return strconv.FormatUint(uint64(h), 10)
	}
	if n, ok := heapNames[h]; ok {
		return n
	}
	return "unknown"
}

// AbstractHeapType returns the abstract heap type of binary code c (0x69
// exn … 0x74 noexn), or false.
func AbstractHeapType(c byte) (HeapType, bool) {
	h := HeapAbstractBase | HeapType(c)
	if c < 0x69 || c > 0x74 {
		return 0, false
	}
	return h, true
}

// Code is the binary code byte of an abstract heap type.
func (h HeapType) Code() byte { return byte(h) }

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
//
// The key is the type's canonical identity: two function types of any
// modules have equal keys exactly when they are equivalent in the spec's
// iso-recursive sense (same structure, same position in equivalent
// recursion groups, same finality and supertypes). NewFuncType computes the
// key of a plain signature (no type indices, final, alone in its group);
// the validator sets the key of every other type (CanonicalizeTypes).
type FuncType struct {
	Params  []ValType
	Results []ValType
	// key is a compact identity of the signature, so that call_indirect's
	// structural check is one string compare.
	key string
	// supers are the keys of the type's declared supertypes, nearest
	// first, transitively: the function types it is a subtype of besides
	// itself.
	supers []string
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
// equivalent types.
func (f *FuncType) Key() string {
	if f.key != "" {
		return f.key
	}
	return f.computeKey()
}

// computeKey is the plain key: one byte per number, vector or nullable
// abstract reference type, two for a non-null abstract reference, and ':'
// between parameters and results. (A type index has no meaning outside its
// module; such types get a canonical key from CanonicalizeTypes, and the
// key computed here for them is only a placeholder.)
func (f *FuncType) computeKey() string {
	b := make([]byte, 0, len(f.Params)+len(f.Results)+1)
	b = appendPlainTypes(b, f.Params)
	b = append(b, ':')
	b = appendPlainTypes(b, f.Results)
	return string(b)
}

func appendPlainTypes(b []byte, ts []ValType) []byte {
	for _, t := range ts {
		switch {
		case !t.IsRef():
			b = append(b, byte(t))
		case t.Nullable() && t.Heap().IsAbstract():
			b = append(b, t.Heap().Code())
		default:
			b = append(b, byte(t))
			h := t.Heap()
			if h.IsAbstract() {
				b = append(b, h.Code())
			} else {
				b = strconv.AppendUint(append(b, '#'), uint64(h), 10)
			}
		}
	}
	return b
}

// Equal reports type equivalence.
func (f *FuncType) Equal(g *FuncType) bool { return f.Key() == g.Key() }

// SubtypeOf reports whether f matches g at run time: equivalent, or g is
// one of f's declared supertypes (call_indirect's and linking's check).
func (f *FuncType) SubtypeOf(g *FuncType) bool {
	if f == g {
		return true
	}
	k := g.Key()
	if f.Key() == k {
		return true
	}
	for _, s := range f.supers {
		if s == k {
			return true
		}
	}
	return false
}

// HasTypeIndices reports whether a parameter or result refers to a type
// index of the module.
func (f *FuncType) HasTypeIndices() bool {
	for _, t := range f.Params {
		if t.HasTypeIndex() {
			return true
		}
	}
	for _, t := range f.Results {
		if t.HasTypeIndex() {
			return true
		}
	}
	return false
}

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
	Min    uint64
	Max    uint64
	HasMax bool
}

// TableType describes a table. Is64 marks a table indexed by i64 (memory64).
type TableType struct {
	Elem   ValType // a reference type
	Limits Limits
	Is64   bool
}

// AddrType is the value type of the table's indices: i32, or i64.
func (t *TableType) AddrType() ValType {
	if t.Is64 {
		return I64
	}
	return I32
}

// MemoryType describes a linear memory. Is64 marks a memory addressed by
// i64 (memory64).
type MemoryType struct {
	Limits Limits
	Is64   bool
}

// AddrType is the value type of the memory's addresses: i32, or i64.
func (t *MemoryType) AddrType() ValType {
	if t.Is64 {
		return I64
	}
	return I32
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
	ExternTag    ExternKind = 4
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
	case ExternTag:
		return "tag"
	}
	return "unknown"
}

// PageSize is the size of a linear-memory page.
const PageSize = 65536

// MaxPages is the most pages a 32-bit memory may have (4 GiB).
const MaxPages = 65536

// MaxPages64 is the most pages a 64-bit memory type may declare (2^48).
const MaxPages64 = 1 << 48
