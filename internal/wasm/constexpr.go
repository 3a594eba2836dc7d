package wasm

import "fmt"

// ConstExpr is a constant expression: the instructions before its `end`.
// The validator checks that they are constant and produce the right type;
// the decoder keeps whatever sequence it read.
//
// A module may hold a million constant expressions (globals, element
// items), so none takes an Instr (144 bytes) per instruction. Nearly every
// one is a single numeric const, ref.null, ref.func or global.get: that
// instruction is held inline as its opcode and one immediate word, 24
// bytes in all, as is a lone GC constructor without operands
// (struct.new_default, struct.new of an empty struct, array.new_fixed of
// no elements). The others (extended-const arithmetic, GC constructors, a
// v128.const with a high half) refer to a run of 24-byte instructions in
// a ConstArena, which the decoder shares among all the expressions of a
// module; only an expression with an instruction no constant expression
// may hold (an invalid module's) keeps its Instrs. Read it with Len and At.
type ConstExpr struct {
	// imm is the inline instruction's immediate (a numeric const's bits,
	// ref.null's type, the index of ref.func or global.get, a type index
	// and array.new_fixed's length above it), or, for an
	// expression held in code, where its run starts (high half) and how
	// many instructions it has (low half).
	imm    uint64
	code   *constCode
	Offset int32  // byte offset of the first instruction in the binary; -1 unknown
	op     Opcode // the inline instruction; 0 (unreachable, never inline) when none
}

// constInstr is an instruction of a constant expression held in a
// constCode: opcode, byte offset and the immediates a constant instruction
// has (a const's bits or ref.null's type in imm; indices and
// array.new_fixed's length in x and y; a v128.const's high half in the
// code's his, at x).
type constInstr struct {
	imm  uint64
	x, y uint32
	off  int32
	op   Opcode
}

// constCode holds the instructions of expressions that are not inline:
// compactly in instrs (and his), or, for an expression with an
// instruction the compact form cannot hold, as Instrs in full.
type constCode struct {
	instrs []constInstr
	his    []uint64
	full   []Instr
}

// ConstArena makes constant expressions whose instructions share a few
// large allocations (constChunk instructions each). The zero value is
// ready to use.
type ConstArena struct {
	cur *constCode
}

// constChunk is how many compact instructions share one allocation.
const constChunk = 512

// NewConstExpr makes the expression of instrs, which starts at byte offset
// offset, in storage of its own sized to it. instrs is not retained.
func NewConstExpr(instrs []Instr, offset int) ConstExpr {
	var a ConstArena
	return a.add(instrs, offset, len(instrs))
}

// Add makes the expression of instrs, which starts at byte offset offset,
// holding its instructions in a's shared storage when they are not
// inline. instrs is not retained.
func (a *ConstArena) Add(instrs []Instr, offset int) ConstExpr {
	return a.add(instrs, offset, constChunk)
}

// add is Add with a fresh chunk of at least chunk instructions when the
// current one has no room.
func (a *ConstArena) add(instrs []Instr, offset, chunk int) ConstExpr {
	e := ConstExpr{Offset: int32(offset)}
	if len(instrs) == 0 {
		return e
	}
	if len(instrs) == 1 {
		if c, ok := inlineConst(&instrs[0], e.Offset); ok {
			return c
		}
	}
	his := 0
	for i := range instrs {
		if !compactable(&instrs[i]) {
			full := append([]Instr(nil), instrs...)
			for j := range full {
				full[j].Types = append([]ValType(nil), full[j].Types...)
				full[j].Targets = append([]uint32(nil), full[j].Targets...)
				full[j].Catches = append([]CatchClause(nil), full[j].Catches...)
			}
			e.code = &constCode{full: full}
			e.imm = uint64(len(full))
			return e
		}
		if instrs[i].Op == OpV128Const {
			his++
		}
	}
	c := a.cur
	if c == nil || cap(c.instrs)-len(c.instrs) < len(instrs) {
		c = &constCode{instrs: make([]constInstr, 0, max(chunk, len(instrs)))}
		a.cur = c
	}
	if his > 0 && c.his == nil {
		// A high half per instruction at most: never grown, so that the
		// indices into it stay valid.
		c.his = make([]uint64, 0, cap(c.instrs))
	}
	start := len(c.instrs)
	for i := range instrs {
		in := &instrs[i]
		ci := constInstr{imm: in.Imm, x: in.X, y: in.Y, off: int32(in.Offset), op: in.Op}
		switch in.Op {
		case OpRefNull:
			ci.imm = uint64(in.Type)
		case OpV128Const:
			ci.x = uint32(len(c.his))
			c.his = append(c.his, in.Hi)
		}
		c.instrs = append(c.instrs, ci)
	}
	e.code, e.imm = c, uint64(start)<<32|uint64(len(instrs))
	return e
}

// compactable reports whether in survives a constInstr exactly.
func compactable(in *Instr) bool {
	if int(int32(in.Offset)) != in.Offset || in.Mem != 0 || in.Block != (BlockType{}) ||
		in.Types != nil || in.Targets != nil || in.Catches != nil {
		return false
	}
	switch in.Op {
	case OpRefNull:
		return in.Imm == 0 && in.Hi == 0
	case OpV128Const:
		return in.Type == 0 && in.X == 0
	}
	return in.Type == 0 && in.Hi == 0
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
	case OpRefFunc, OpGlobalGet, OpStructNew, OpStructNewDefault:
		e.imm = uint64(in.X)
	case OpArrayNewFixed:
		e.imm = uint64(in.Y)<<32 | uint64(in.X)
	default:
		return ConstExpr{}, false
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
	case e.code != nil:
		return int(uint32(e.imm))
	}
	return 0
}

// At returns instruction i, 0 <= i < Len().
func (e *ConstExpr) At(i int) Instr {
	if e.op == 0 {
		if i < 0 || i >= e.Len() {
			panic("wasm: ConstExpr.At out of range")
		}
		c := e.code
		if c.full != nil {
			return c.full[i]
		}
		ci := &c.instrs[int(e.imm>>32)+i]
		in := Instr{Op: ci.op, X: ci.x, Y: ci.y, Imm: ci.imm, Offset: int(ci.off)}
		switch ci.op {
		case OpRefNull:
			in.Type, in.Imm = ValType(ci.imm), 0
		case OpV128Const:
			in.Hi, in.X = c.his[ci.x], 0
		}
		return in
	}
	if i != 0 {
		panic("wasm: ConstExpr.At out of range")
	}
	in := Instr{Op: e.op, Offset: int(e.Offset)}
	switch e.op {
	case OpRefNull:
		in.Type = ValType(e.imm)
	case OpRefFunc, OpGlobalGet, OpStructNew, OpStructNewDefault:
		in.X = uint32(e.imm)
	case OpArrayNewFixed:
		in.X, in.Y = uint32(e.imm), uint32(e.imm>>32)
	default:
		in.Imm = e.imm
	}
	return in
}

// Inline reports whether the expression is one instruction held inline
// (and so refers to no storage of instructions).
func (e *ConstExpr) Inline() bool { return e.op != 0 }

// Single returns the opcode and raw immediate of an expression that is
// one instruction held inline (op 0 otherwise): a numeric constant's bits,
// ref.null's type, the index of ref.func or global.get. It is At(0)
// without building an Instr, for instantiation's initialisers and offsets.
func (e *ConstExpr) Single() (op Opcode, imm uint64) { return e.op, e.imm }

// Instrs returns the instructions, in a fresh slice (for printing and
// tests: At reads one without allocating).
func (e *ConstExpr) Instrs() []Instr {
	n := e.Len()
	if n == 0 {
		return nil
	}
	out := make([]Instr, n)
	for i := range out {
		out[i] = e.At(i)
	}
	return out
}

// String shows the instructions rather than how they are held, so that
// equal expressions print alike.
func (e ConstExpr) String() string {
	return fmt.Sprintf("{Instrs:%+v Offset:%d}", e.Instrs(), e.Offset)
}
