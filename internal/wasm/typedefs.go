package wasm

// CompositeKind says what a defined type describes.
type CompositeKind byte

const (
	CompFunc   CompositeKind = iota // a function signature
	CompStruct                      // a structure of fields (garbage collection)
	CompArray                       // an array of one field type (garbage collection)
)

func (k CompositeKind) String() string {
	switch k {
	case CompFunc:
		return "func"
	case CompStruct:
		return "struct"
	case CompArray:
		return "array"
	}
	return "unknown"
}

// FieldType is a field of a struct type or the element of an array type.
// Its Type may be a packed storage type (PackedI8, PackedI16).
type FieldType struct {
	Type    ValType
	Mutable bool
}

// TypeDef is one entry of the type index space: a composite type with its
// subtyping declaration, inside a recursion group.
//
// The binary format's plain function type is a TypeDef of kind CompFunc,
// final, without supertypes, alone in its group.
type TypeDef struct {
	Kind   CompositeKind
	Func   FuncType    // CompFunc
	Fields []FieldType // CompStruct: the fields; CompArray: one field
	// Final types may have no subtypes. Supers are the declared
	// supertypes (type indices; valid modules declare at most one).
	Final  bool
	Supers []uint32
	// RecStart is the index of the first type of this type's recursion
	// group, RecSize the group's size.
	RecStart, RecSize uint32

	// key is the canonical identity (see FuncType.Key) and superKeys the
	// keys of the declared supertypes, nearest first, transitively; both
	// are set by CanonicalizeTypes, and Func carries them too.
	key       string
	superKeys []string
}

// Key is the type's canonical identity, once CanonicalizeTypes has run.
func (d *TypeDef) Key() string {
	if d.key == "" && d.Kind == CompFunc {
		return d.Func.Key()
	}
	return d.key
}

// FuncTypeDef returns a TypeDef for a plain function type, as the binary
// format's 0x60 form declares it.
func FuncTypeDef(params, results []ValType, index uint32) TypeDef {
	return TypeDef{Kind: CompFunc, Func: NewFuncType(params, results), Final: true, RecStart: index, RecSize: 1}
}

// Tag is an exception tag: its type is a function type index whose
// parameters are the exception's payload (and which has no results).
type Tag struct {
	Type uint32
}

// PlainTypes makes a type section of plain function types, one recursion
// group each (what a 2.0 module's type section holds).
func PlainTypes(fts ...FuncType) []TypeDef {
	defs := make([]TypeDef, len(fts))
	for i, ft := range fts {
		defs[i] = FuncTypeDef(ft.Params, ft.Results, uint32(i))
	}
	return defs
}
