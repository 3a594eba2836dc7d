package moat

import (
	"strconv"
	"strings"

	"github.com/moat-run/moat/internal/wasm"
)

// ValueType is the type of a WebAssembly value. A number or vector type is
// its binary format code (0x7f for i32, …); a reference type packs its
// nullability and heap type into the word above (see the constants). A
// typed reference to one of a module's types, (ref $t), appears only in the
// types a Module describes (Imports, Exports); its String shows the type
// index, and it cannot be used to define host functions or globals.
type ValueType uint64

const (
	ValueI32       ValueType = ValueType(wasm.I32)
	ValueI64       ValueType = ValueType(wasm.I64)
	ValueF32       ValueType = ValueType(wasm.F32)
	ValueF64       ValueType = ValueType(wasm.F64)
	ValueV128      ValueType = ValueType(wasm.V128)
	ValueFuncRef   ValueType = ValueType(wasm.FuncRef)
	ValueExternRef ValueType = ValueType(wasm.ExternRef)
	// ValueExnRef is an exception reference (exceptions): 0 is null.
	ValueExnRef ValueType = ValueType(wasm.ExnRef)
	// The references of garbage collection (see NewExternRef for their
	// words): anyref, eqref, i31ref, structref and arrayref.
	ValueAnyRef    ValueType = ValueType(wasm.AnyRef)
	ValueEqRef     ValueType = ValueType(wasm.EqRef)
	ValueI31Ref    ValueType = ValueType(wasm.I31Ref)
	ValueStructRef ValueType = ValueType(wasm.StructRef)
	ValueArrayRef  ValueType = ValueType(wasm.ArrayRef)
)

// NonNull is the non-nullable form of a reference type: (ref i31) for
// ValueI31Ref.
func (t ValueType) NonNull() ValueType { return ValueType(wasm.ValType(t).AsNonNull()) }

// String gives the text-format name: "i32", "funcref", "(ref null 3)", ...
func (t ValueType) String() string { return wasm.ValType(t).String() }

// Words is how many uint64 words a value of type t takes in a call's
// parameter or result list: two for v128 (low half first), else one.
func (t ValueType) Words() int { return wasm.ValType(t).Slots() }

// IsRef reports whether t is a reference type.
func (t ValueType) IsRef() bool { return wasm.ValType(t).IsRef() }

// Nullable reports whether a reference type admits null (the shorthand
// types funcref, externref, exnref… do; (ref func) does not).
func (t ValueType) Nullable() bool { return wasm.ValType(t).Nullable() }

// valid reports whether t can be used outside a module: a well-formed type
// that refers to no module's type index.
func (t ValueType) valid() bool {
	v := wasm.ValType(t)
	return v.Valid() && !v.HasTypeIndex()
}

// ExternKind is the kind of an import or export.
type ExternKind byte

const (
	ExternFunc   ExternKind = ExternKind(wasm.ExternFunc)
	ExternTable  ExternKind = ExternKind(wasm.ExternTable)
	ExternMemory ExternKind = ExternKind(wasm.ExternMemory)
	ExternGlobal ExternKind = ExternKind(wasm.ExternGlobal)
	ExternTag    ExternKind = ExternKind(wasm.ExternTag)
)

func (k ExternKind) String() string { return wasm.ExternKind(k).String() }

// ExternType describes an import or export: a FuncType, TableType,
// MemoryType or GlobalType. String renders it in text-format style.
type ExternType interface {
	Kind() ExternKind
	String() string
}

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValueType
}

// Limits bound a table (in elements) or a memory (in 64 KiB pages).
type Limits struct {
	Min    uint64
	Max    uint64
	HasMax bool
}

// TableType describes a table of references. Is64 marks a table indexed
// by i64 (memory64).
type TableType struct {
	Elem   ValueType // a reference type: ValueFuncRef, ValueExternRef, ...
	Limits Limits
	Is64   bool
}

// MemoryType describes a linear memory; limits are in 64 KiB pages. Is64
// marks a memory addressed by i64 (memory64).
type MemoryType struct {
	Limits Limits
	Is64   bool
}

// TagType describes an exception tag: Params are the types of its
// exceptions' payload (Results is always empty).
type TagType struct {
	Type FuncType
}

// GlobalType describes a global variable.
type GlobalType struct {
	Value   ValueType
	Mutable bool
}

func (FuncType) Kind() ExternKind   { return ExternFunc }
func (TableType) Kind() ExternKind  { return ExternTable }
func (MemoryType) Kind() ExternKind { return ExternMemory }
func (GlobalType) Kind() ExternKind { return ExternGlobal }
func (TagType) Kind() ExternKind    { return ExternTag }

// String renders "(func (param i32 i64) (result f32))".
func (t FuncType) String() string {
	var b strings.Builder
	b.WriteString("(func")
	writeTypes := func(label string, ts []ValueType) {
		if len(ts) == 0 {
			return
		}
		b.WriteString(" (")
		b.WriteString(label)
		for _, v := range ts {
			b.WriteByte(' ')
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	}
	writeTypes("param", t.Params)
	writeTypes("result", t.Results)
	b.WriteByte(')')
	return b.String()
}

// Equal reports whether two signatures are identical.
func (t FuncType) Equal(u FuncType) bool {
	return equalTypes(t.Params, u.Params) && equalTypes(t.Results, u.Results)
}

func equalTypes(a, b []ValueType) bool {
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

func (l Limits) String() string {
	s := strconv.FormatUint(l.Min, 10)
	if l.HasMax {
		s += " " + strconv.FormatUint(l.Max, 10)
	}
	return s
}

// String renders "(table 10 20 funcref)" or "(table i64 10 funcref)".
func (t TableType) String() string {
	return "(table " + addrPrefix(t.Is64) + t.Limits.String() + " " + t.Elem.String() + ")"
}

// String renders "(memory 1 2)" or "(memory i64 1)".
func (t MemoryType) String() string { return "(memory " + addrPrefix(t.Is64) + t.Limits.String() + ")" }

// String renders "(tag (param i32))".
func (t TagType) String() string { return "(tag" + strings.TrimPrefix(t.Type.String(), "(func") }

func addrPrefix(is64 bool) string {
	if is64 {
		return "i64 "
	}
	return ""
}

// String renders "(global i32)" or "(global (mut i32))".
func (t GlobalType) String() string {
	if t.Mutable {
		return "(global (mut " + t.Value.String() + "))"
	}
	return "(global " + t.Value.String() + ")"
}

// ImportType is one import of a module.
type ImportType struct {
	Module, Name string
	Type         ExternType
}

// ExportType is one export of a module.
type ExportType struct {
	Name string
	Type ExternType
}

// Conversions between the public types and the module model.

func fromValTypes(ts []wasm.ValType) []ValueType {
	out := make([]ValueType, len(ts))
	for i, t := range ts {
		out[i] = ValueType(t)
	}
	return out
}

func toValTypes(ts []ValueType) []wasm.ValType {
	out := make([]wasm.ValType, len(ts))
	for i, t := range ts {
		out[i] = wasm.ValType(t)
	}
	return out
}

func fromFuncType(t *wasm.FuncType) FuncType {
	return FuncType{Params: fromValTypes(t.Params), Results: fromValTypes(t.Results)}
}

func (t FuncType) internal() *wasm.FuncType {
	ft := wasm.NewFuncType(toValTypes(t.Params), toValTypes(t.Results))
	return &ft
}

func fromLimits(l wasm.Limits) Limits { return Limits{Min: l.Min, Max: l.Max, HasMax: l.HasMax} }
func (l Limits) internal() wasm.Limits {
	return wasm.Limits{Min: l.Min, Max: l.Max, HasMax: l.HasMax}
}

func fromTableType(t wasm.TableType) TableType {
	return TableType{Elem: ValueType(t.Elem), Limits: fromLimits(t.Limits), Is64: t.Is64}
}

// ptrTo is a copy of v of its own, for the runtime's objects made by the
// host, which point at their types (a module's are the module's).
func ptrTo[T any](v T) *T { return &v }

func (t TableType) internal() wasm.TableType {
	return wasm.TableType{Elem: wasm.ValType(t.Elem), Limits: t.Limits.internal(), Is64: t.Is64}
}

func fromMemoryType(t wasm.MemoryType) MemoryType {
	return MemoryType{Limits: fromLimits(t.Limits), Is64: t.Is64}
}
func (t MemoryType) internal() wasm.MemoryType {
	return wasm.MemoryType{Limits: t.Limits.internal(), Is64: t.Is64}
}

func fromGlobalType(t wasm.GlobalType) GlobalType {
	return GlobalType{Value: ValueType(t.Val), Mutable: t.Mutable}
}
func (t GlobalType) internal() wasm.GlobalType {
	return wasm.GlobalType{Val: wasm.ValType(t.Value), Mutable: t.Mutable}
}
