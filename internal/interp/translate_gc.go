package interp

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Garbage collection. Struct fields and array elements are accessed at
// offsets the translator computes from the type (gcheap.StructLayout), so
// execution needs only the store's type id for allocation and casts
// (instState.gcTypes). Operands that an instruction reads as a group
// (struct.new's fields, array.copy's five operands…) are materialised so
// that they lie in consecutive slots; those slots are in the frame, where
// the collector finds them if the instruction allocates.

// fieldKind packs how a field or element is read and written: its
// storage size in bytes, and whether a packed read sign-extends.
type fieldKind uint8

const kindSigned fieldKind = 0x80

func kindOf(t wasm.ValType, signed bool) fieldKind {
	k := fieldKind(gcheap.StorageSize(t))
	if signed {
		k |= kindSigned
	}
	return k
}

// castKind is what a ref.test, ref.cast or br_on_cast checks.
type castKind uint8

const (
	castAny      castKind = iota // any non-null value of the any hierarchy (and every top type)
	castNever                    // only null passes (none, nofunc, noextern, noexn)
	castEq                       // i31 or an object
	castI31                      // i31
	castStruct                   // any struct
	castArray                    // any array
	castGCType                   // a struct or array of the given type or a subtype
	castFuncType                 // a function of the given type or a subtype
)

// castDesc describes one cast: what is checked, whether null passes, and
// the module type index for the concrete kinds.
type castDesc struct {
	kind     castKind
	nullable bool
	typeIdx  uint32
}

func (t *translator) castIndex(rt wasm.ValType) uint64 {
	d := castDesc{nullable: rt.Nullable()}
	h := rt.Heap()
	switch h {
	case wasm.HeapAny, wasm.HeapFunc, wasm.HeapExtern, wasm.HeapExn:
		d.kind = castAny
	case wasm.HeapNone, wasm.HeapNoFunc, wasm.HeapNoExtern, wasm.HeapNoExn:
		d.kind = castNever
	case wasm.HeapEq:
		d.kind = castEq
	case wasm.HeapI31:
		d.kind = castI31
	case wasm.HeapStruct:
		d.kind = castStruct
	case wasm.HeapArray:
		d.kind = castArray
	default:
		d.typeIdx = h.Index()
		d.kind = castGCType
		if t.m.Types[h.Index()].Kind == wasm.CompFunc {
			d.kind = castFuncType
		}
	}
	t.casts = append(t.casts, d)
	return uint64(len(t.casts) - 1)
}

// operandBase materialises the top n entries and pops them, returning the
// slot of the first: they lie in consecutive slots from there.
func (t *translator) operandBase(n int) uint32 {
	if n == 0 {
		return t.height
	}
	t.materializeTop(n)
	base := t.stack[len(t.stack)-n].home
	for range n {
		t.pop()
	}
	return base
}

// gc translates the garbage-collection instructions but br_on_cast.
func (t *translator) gc(in *wasm.Instr) error {
	m := t.m
	switch in.Op {
	case wasm.OpStructNew:
		n := len(m.Types[in.X].Fields)
		base := t.operandBase(n)
		t.emit(instr{op: opStructNew, a: t.pushReal(wasm.AnyRef), b: base, c: in.X})
		t.def()
	case wasm.OpStructNewDefault:
		t.emit(instr{op: opStructNewDefault, a: t.pushReal(wasm.AnyRef), c: in.X})
		t.def()
	case wasm.OpStructGet, wasm.OpStructGetS, wasm.OpStructGetU:
		d := &m.Types[in.X]
		offs, _ := gcheap.StructLayout(d.Fields)
		f := d.Fields[in.Y]
		ref := t.pop()
		ins := instr{op: opStructGet, a: ref.home, b: t.src(ref), c: offs[in.Y],
			imm: uint64(kindOf(f.Type, in.Op == wasm.OpStructGetS))}
		t.pushReal(unpackedType(f.Type))
		t.emit(ins)
		t.def()
	case wasm.OpStructSet:
		d := &m.Types[in.X]
		offs, _ := gcheap.StructLayout(d.Fields)
		v, ref := t.pop(), t.pop()
		t.emit(instr{op: opStructSet, b: t.src(ref), c: t.src(v),
			imm: uint64(offs[in.Y]) | uint64(kindOf(d.Fields[in.Y].Type, false))<<32})
	case wasm.OpArrayNew:
		n, v := t.pop(), t.pop()
		ins := instr{op: opArrayNew, a: v.home, b: t.src(v), c: t.src(n), imm: uint64(in.X)}
		t.pushReal(wasm.AnyRef)
		t.emit(ins)
		t.def()
	case wasm.OpArrayNewDefault:
		n := t.pop()
		ins := instr{op: opArrayNewDefault, a: n.home, c: t.src(n), imm: uint64(in.X)}
		t.pushReal(wasm.AnyRef)
		t.emit(ins)
		t.def()
	case wasm.OpArrayNewFixed:
		base := t.operandBase(int(in.Y))
		t.emit(instr{op: opArrayNewFixed, a: t.pushReal(wasm.AnyRef), b: base, c: in.Y, imm: uint64(in.X)})
		t.def()
	case wasm.OpArrayNewData, wasm.OpArrayNewElem:
		n, s := t.pop(), t.pop()
		op := opArrayNewData
		if in.Op == wasm.OpArrayNewElem {
			op = opArrayNewElem
		}
		ins := instr{op: op, a: s.home, b: t.src(s), c: t.src(n), imm: uint64(in.X) | uint64(in.Y)<<32}
		t.pushReal(wasm.AnyRef)
		t.emit(ins)
		t.def()
	case wasm.OpArrayGet, wasm.OpArrayGetS, wasm.OpArrayGetU:
		e := m.Types[in.X].Fields[0]
		i, ref := t.pop(), t.pop()
		ins := instr{op: opArrayGet, a: ref.home, b: t.src(ref), c: t.src(i), imm: uint64(kindOf(e.Type, in.Op == wasm.OpArrayGetS))}
		t.pushReal(unpackedType(e.Type))
		t.emit(ins)
		t.def()
	case wasm.OpArraySet:
		e := m.Types[in.X].Fields[0]
		v, i := t.pop(), t.pop()
		ref := t.pop()
		t.emit(instr{op: opArraySet, a: t.src(ref), b: t.src(i), c: t.src(v), imm: uint64(kindOf(e.Type, false))})
	case wasm.OpArrayLen:
		ref := t.pop()
		ins := instr{op: opArrayLen, a: ref.home, b: t.src(ref)}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	case wasm.OpArrayFill:
		e := m.Types[in.X].Fields[0]
		n, v := t.pop(), t.pop()
		i, ref := t.pop(), t.pop()
		t.emit(instr{op: opArrayFill, a: t.src(ref), b: t.src(i), c: t.src(v),
			imm: uint64(t.src(n)) | uint64(kindOf(e.Type, false))<<32})
	case wasm.OpArrayCopy:
		base := t.operandBase(5)
		t.emit(instr{op: opArrayCopy, b: base, imm: uint64(kindOf(m.Types[in.X].Fields[0].Type, false))})
	case wasm.OpArrayInitData, wasm.OpArrayInitElem:
		base := t.operandBase(4)
		op := opArrayInitData
		if in.Op == wasm.OpArrayInitElem {
			op = opArrayInitElem
		}
		t.emit(instr{op: op, b: base, imm: uint64(in.X) | uint64(in.Y)<<32})
	case wasm.OpRefTest, wasm.OpRefTestNull, wasm.OpRefCast, wasm.OpRefCastNull:
		op := opRefTest
		if in.Op == wasm.OpRefCast || in.Op == wasm.OpRefCastNull {
			op = opRefCast
		}
		ref := t.pop()
		ins := instr{op: op, a: ref.home, b: t.src(ref), imm: t.castIndex(in.Type)}
		t.pushReal(wasm.AnyRef)
		t.emit(ins)
		t.def()
	case wasm.OpAnyConvertExtern, wasm.OpExternConvertAny:
		// The same word in both hierarchies (see gcheap): nothing to do.
	case wasm.OpRefI31, wasm.OpI31GetS, wasm.OpI31GetU:
		op := map[wasm.Opcode]uint16{wasm.OpRefI31: opRefI31, wasm.OpI31GetS: opI31GetS, wasm.OpI31GetU: opI31GetU}[in.Op]
		x := t.pop()
		ins := instr{op: op, a: x.home, b: t.src(x)}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	case wasm.OpRefEq:
		// Equal references are equal words.
		y, x := t.pop(), t.pop()
		ins := instr{op: opI64Eq, a: x.home, b: t.src(x), c: t.src(y)}
		t.pushReal(wasm.I32)
		t.emit(ins)
		t.def()
	default:
		return fmt.Errorf("interp: cannot translate %s at offset 0x%x", in.Op, in.Offset)
	}
	return nil
}

func unpackedType(t wasm.ValType) wasm.ValType {
	if t == wasm.PackedI8 || t == wasm.PackedI16 {
		return wasm.I32
	}
	return t
}

// brOnCast translates br_on_cast and br_on_cast_fail: branch with the top
// reference when the cast succeeds (fails), else keep it.
func (t *translator) brOnCast(in *wasm.Instr) {
	c := &t.ctrls[len(t.ctrls)-1-int(in.X)]
	t.materializeTop(1)
	ref := t.stack[len(t.stack)-1]
	desc := t.castIndex(in.Types[1])
	branchOn := uint64(0) // branch when the cast succeeds
	if in.Op == wasm.OpBrOnCastFail {
		branchOn = 1
	}
	if c.kind != ctrlFunc && t.inPlace(c) {
		br := t.emit(instr{op: opBrOnCast, b: ref.home, imm: desc | branchOn<<32})
		if c.kind == ctrlLoop {
			t.code[br].a = uint32(c.start)
		} else {
			c.fixups = append(c.fixups, br)
		}
	} else {
		skip := t.emit(instr{op: opBrOnCast, b: ref.home, imm: desc | (branchOn^1)<<32})
		t.branchTo(c)
		t.code[skip].a = uint32(len(t.code))
	}
	t.label()
}
