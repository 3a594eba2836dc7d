package wasm

import "fmt"

// ConstExpr is a constant expression: the instructions before its `end`.
// The validator checks that they are constant and produce the right type;
// the decoder keeps whatever sequence it read.
//
// Nearly every constant expression is one instruction (a numeric const,
// ref.null, ref.func or global.get), and a module may hold a million of
// them (globals, element items), so that instruction is held inline as
// its opcode and one immediate word: 24 bytes where an Instr takes 144.
// Longer expressions (extended-const, GC constructors) and the high half
// of a v128.const live in a side record. Read it with Len and At.
type ConstExpr struct {
	// imm is the inline instruction's immediate: a numeric const's bits
	// (v128: the low half), ref.null's type, or the index of ref.func or
	// global.get.
	imm    uint64
	more   *constMore
	Offset int32  // byte offset of the first instruction in the binary; -1 unknown
	op     Opcode // the inline instruction; 0 (unreachable, never inline) when none
}

// constMore holds what does not fit inline: the instructions of an
// expression that is not one inline instruction, or a v128.const's high
// half.
type constMore struct {
	hi     uint64
	instrs []Instr
}

// NewConstExpr makes the expression of instrs, which starts at byte offset
// offset. A lone instruction is held inline when it round-trips exactly;
// otherwise the expression refers to instrs.
func NewConstExpr(instrs []Instr, offset int) ConstExpr {
	e := ConstExpr{Offset: int32(offset)}
	if len(instrs) == 0 {
		return e
	}
	if len(instrs) == 1 {
		if c, ok := inlineConst(&instrs[0], e.Offset); ok {
			return c
		}
	}
	e.more = &constMore{instrs: instrs}
	return e
}

// inlineConst returns in as an inline expression, if it is one of the
// instructions held inline and nothing it carries would be lost.
func inlineConst(in *Instr, offset int32) (ConstExpr, bool) {
	e := ConstExpr{Offset: offset, op: in.Op}
	switch in.Op {
	case OpI32Const, OpI64Const, OpF32Const, OpF64Const, OpV128Const:
		e.imm = in.Imm
	case OpRefNull:
		e.imm = uint64(in.Type)
	case OpRefFunc, OpGlobalGet:
		e.imm = uint64(in.X)
	default:
		return ConstExpr{}, false
	}
	if in.Op == OpV128Const && in.Hi != 0 {
		e.more = &constMore{hi: in.Hi}
	}
	back := e.At(0)
	if !sameScalarInstr(&back, in) {
		return ConstExpr{}, false
	}
	return e, true
}

// sameScalarInstr reports whether a and b are the same instruction with no
// list immediates.
func sameScalarInstr(a, b *Instr) bool {
	return a.Op == b.Op && a.X == b.X && a.Y == b.Y && a.Mem == b.Mem && a.Imm == b.Imm &&
		a.Hi == b.Hi && a.Block == b.Block && a.Type == b.Type && a.Offset == b.Offset &&
		b.Types == nil && b.Targets == nil && b.Catches == nil
}

// Len is the number of instructions.
func (e *ConstExpr) Len() int {
	switch {
	case e.op != 0:
		return 1
	case e.more != nil:
		return len(e.more.instrs)
	}
	return 0
}

// At returns instruction i, 0 <= i < Len().
func (e *ConstExpr) At(i int) Instr {
	if e.op == 0 {
		return e.more.instrs[i]
	}
	if i != 0 {
		panic("wasm: ConstExpr.At out of range")
	}
	in := Instr{Op: e.op, Offset: int(e.Offset)}
	switch e.op {
	case OpRefNull:
		in.Type = ValType(e.imm)
	case OpRefFunc, OpGlobalGet:
		in.X = uint32(e.imm)
	default:
		in.Imm = e.imm
		if e.more != nil {
			in.Hi = e.more.hi
		}
	}
	return in
}

// Inline reports whether the expression is one instruction held inline
// (and so refers to no slice of instructions).
func (e *ConstExpr) Inline() bool { return e.op != 0 }

// Instrs returns the instructions: the expression's own for a longer one,
// a fresh one-element slice for an inline one.
func (e *ConstExpr) Instrs() []Instr {
	if e.op == 0 {
		if e.more == nil {
			return nil
		}
		return e.more.instrs
	}
	return []Instr{e.At(0)}
}

// String shows the instructions rather than how they are held, so that
// equal expressions print alike.
func (e ConstExpr) String() string {
	return fmt.Sprintf("{Instrs:%+v Offset:%d}", e.Instrs(), e.Offset)
}
