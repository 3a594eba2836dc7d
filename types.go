package moat

import (
	"strconv"
	"strings"

	"github.com/moat-run/moat/internal/wasm"
)

// ValueType is the type of a WebAssembly value. Its numeric values are the
// binary format's encodings.
type ValueType byte

const (
	ValueI32       ValueType = ValueType(wasm.I32)
	ValueI64       ValueType = ValueType(wasm.I64)
	ValueF32       ValueType = ValueType(wasm.F32)
	ValueF64       ValueType = ValueType(wasm.F64)
	ValueV128      ValueType = ValueType(wasm.V128)
	ValueFuncRef   ValueType = ValueType(wasm.FuncRef)
	ValueExternRef ValueType = ValueType(wasm.ExternRef)
)

// String gives the text-format name: "i32", "funcref", ...
func (t ValueType) String() string { return wasm.ValType(t).String() }

// Words is how many uint64 words a value of type t takes in a call's
// parameter or result list: two for v128 (low half first), else one.
func (t ValueType) Words() int { return wasm.ValType(t).Slots() }

func (t ValueType) valid() bool { return t.String() != "unknown" }

// ExternKind is the kind of an import or export.
type ExternKind byte

const (
	ExternFunc   ExternKind = ExternKind(wasm.ExternFunc)
	ExternTable  ExternKind = ExternKind(wasm.ExternTable)
	ExternMemory ExternKind = ExternKind(wasm.ExternMemory)
	ExternGlobal ExternKind = ExternKind(wasm.ExternGlobal)
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
	Min    uint32
	Max    uint32
	HasMax bool
}

// TableType describes a table of references.
type TableType struct {
	Elem   ValueType // ValueFuncRef or ValueExternRef
	Limits Limits
}

// MemoryType describes a linear memory; limits are in 64 KiB pages.
type MemoryType struct {
	Limits Limits
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
	s := strconv.FormatUint(uint64(l.Min), 10)
	if l.HasMax {
		s += " " + strconv.FormatUint(uint64(l.Max), 10)
	}
	return s
}

// String renders "(table 10 20 funcref)".
func (t TableType) String() string {
	return "(table " + t.Limits.String() + " " + t.Elem.String() + ")"
}

// String renders "(memory 1 2)".
func (t MemoryType) String() string { return "(memory " + t.Limits.String() + ")" }

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
	return TableType{Elem: ValueType(t.Elem), Limits: fromLimits(t.Limits)}
}
func (t TableType) internal() wasm.TableType {
	return wasm.TableType{Elem: wasm.ValType(t.Elem), Limits: t.Limits.internal()}
}

func fromMemoryType(t wasm.MemoryType) MemoryType { return MemoryType{Limits: fromLimits(t.Limits)} }
func (t MemoryType) internal() wasm.MemoryType    { return wasm.MemoryType{Limits: t.Limits.internal()} }

func fromGlobalType(t wasm.GlobalType) GlobalType {
	return GlobalType{Value: ValueType(t.Val), Mutable: t.Mutable}
}
func (t GlobalType) internal() wasm.GlobalType {
	return wasm.GlobalType{Val: wasm.ValType(t.Value), Mutable: t.Mutable}
}
