package ssa

// Builder helpers for the vector opcodes.

// Vconst emits a 128-bit constant.
func (b *Builder) Vconst(c Const128) Value {
	return b.one(&Inst{Op: OpVconst, Imm: uint64(b.f.AddConst(c))})
}

// Vector emits a vector instruction of lane shape sh (ShapeNone for the
// opcodes without one) on args.
func (b *Builder) Vector(op Opcode, sh Shape, args ...Value) Value {
	return b.one(&Inst{Op: op, Imm: uint64(sh), Args: copyArgs(args)})
}

// VectorLane emits extractlane, sextractlane or insertlane of lane.
func (b *Builder) VectorLane(op Opcode, sh Shape, lane int, args ...Value) Value {
	return b.one(&Inst{Op: op, Imm: ShapeImm(sh, lane), Args: copyArgs(args)})
}

// Vicmp emits a lane-wise integer comparison giving an all-ones/zero mask.
func (b *Builder) Vicmp(sh Shape, cc IntCC, x, y Value) Value {
	return b.one(&Inst{Op: OpVicmp, Imm: uint64(sh), IntCC: cc, Args: []Value{x, y}})
}

// Vfcmp emits a lane-wise float comparison giving an all-ones/zero mask.
func (b *Builder) Vfcmp(sh Shape, cc FloatCC, x, y Value) Value {
	return b.one(&Inst{Op: OpVfcmp, Imm: uint64(sh), FloatCC: cc, Args: []Value{x, y}})
}

// Shuffle emits a byte shuffle of x‖y by the 16 selectors sel.
func (b *Builder) Shuffle(x, y Value, sel Const128) Value {
	return b.one(&Inst{Op: OpShuffle, Imm: uint64(b.f.AddConst(sel)), Args: []Value{x, y}})
}
