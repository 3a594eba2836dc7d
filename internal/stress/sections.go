package stress

// Modules whose cost is in their sections rather than in a function body:
// what decoding, validating and instantiating them asks of the host.

const (
	funcRef      = 0x70
	i31Ref       = 0x6c
	refNull      = 0x63 // (ref null $t)
	structType   = 0x5f
	opRefFunc    = 0xd2
	opRefNull    = 0xd0
	opGlobalGet  = 0x23
	opGC         = 0xfb // the prefix of GC instructions
	gcStructNewD = 0x01 // struct.new_default
	gcRefI31     = 0x1c
)

// Globals is n immutable i32 globals initialised to 0: 5 bytes each.
func Globals(n int) []byte {
	c := uleb(nil, uint64(n))
	for range n {
		c = append(c, i32, 0, i32Const, 0, opEnd)
	}
	return section(header(), 6, c)
}

// ElemFuncs is one function and a passive element segment of items
// references to it, written as function indices: one byte each.
func ElemFuncs(items int) []byte {
	m := oneEmptyFunc(header())
	c := uleb(nil, 1)
	c = append(c, 1, 0) // passive, element kind funcref
	c = uleb(c, uint64(items))
	for range items {
		c = append(c, 0)
	}
	m = section(m, 9, c)
	return section(m, 10, []byte{1, 2, 0, opEnd})
}

// ElemExprs is ElemFuncs with the items written as expressions
// (ref.func 0): three bytes each.
func ElemExprs(items int) []byte { return passiveExprs(items, opRefFunc, 0) }

// Tables is n funcref tables of min elements each, null: a few bytes
// each, however large.
func Tables(n, min int) []byte {
	c := uleb(nil, uint64(n))
	for range n {
		c = append(c, funcRef, 0)
		c = uleb(c, uint64(min))
	}
	return section(header(), 4, c)
}

func header() []byte { return []byte{0, 'a', 's', 'm', 1, 0, 0, 0} }

// oneEmptyFunc adds the type and function sections of one function
// () -> () to m (its body is the caller's code section).
func oneEmptyFunc(m []byte) []byte {
	m = section(m, 1, []byte{1, 0x60, 0, 0})
	return section(m, 3, []byte{1, 0})
}

// ElemNulls is ElemExprs with every item ref.null func: three bytes each.
func ElemNulls(items int) []byte { return passiveExprs(items, opRefNull, funcRef) }

// passiveExprs is one empty function and one passive funcref segment of
// items expressions, each the instruction op with its one-byte immediate.
func passiveExprs(items int, op, imm byte) []byte {
	m := oneEmptyFunc(header())
	c := uleb(nil, 1)
	c = append(c, 5, funcRef) // passive, expressions of type funcref
	c = uleb(c, uint64(items))
	for range items {
		c = append(c, op, imm, opEnd)
	}
	m = section(m, 9, c)
	return section(m, 10, []byte{1, 2, 0, opEnd})
}

// ElemGlobalGets is an imported immutable funcref global and a passive
// funcref segment of items global.get 0: three bytes each.
func ElemGlobalGets(items int) []byte {
	m := header()
	m = section(m, 2, []byte{1, 1, 'm', 1, 'g', 3, funcRef, 0}) // import (global funcref)
	return elemSection(m, []byte{funcRef}, items, []byte{opGlobalGet, 0, opEnd})
}

// ElemTypedFuncs is one function and a passive segment of its own type,
// (ref null 0), of items ref.func 0: three bytes each.
func ElemTypedFuncs(items int) []byte {
	m := oneEmptyFunc(header())
	m = elemSection(m, []byte{refNull, 0}, items, []byte{opRefFunc, 0, opEnd})
	return section(m, 10, []byte{1, 2, 0, opEnd})
}

// ElemI31s is a passive i31ref segment of items (ref.i31 (i32.const 0)):
// five bytes each, a GC constructor of two instructions.
func ElemI31s(items int) []byte {
	return elemSection(header(), []byte{i31Ref}, items, []byte{i32Const, 0, opGC, gcRefI31, opEnd})
}

// ElemStructs is an empty struct type and a passive segment of
// (ref null 0) of items struct.new_default 0: four bytes each, a GC
// constructor of one instruction.
func ElemStructs(items int) []byte {
	m := section(header(), 1, []byte{1, structType, 0})
	return elemSection(m, []byte{refNull, 0}, items, []byte{opGC, gcStructNewD, 0, opEnd})
}

// elemSection adds to m an element section of one passive segment of
// reference type typ and items copies of item (an expression and its end).
func elemSection(m, typ []byte, items int, item []byte) []byte {
	c := uleb(nil, 1)
	c = append(c, 5) // passive, expressions
	c = append(c, typ...)
	c = uleb(c, uint64(items))
	for range items {
		c = append(c, item...)
	}
	return section(m, 9, c)
}
