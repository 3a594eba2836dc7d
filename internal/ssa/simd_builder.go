package ssa

// Builder helpers for the vector opcodes. Instructions come from the
// function's storage (newInst), like the scalar ones.

// Vconst emits a 128-bit constant.
func (b *Builder) Vconst(c Const128) Value {
	in := b.newInst(OpVconst)
	in.Imm = uint64(b.f.AddConst(c))
	return b.one(in)
}

// Vector emits a vector instruction of lane shape sh (ShapeNone for the
// opcodes without one) on args.
func (b *Builder) Vector(op Opcode, sh Shape, args ...Value) Value {
	in := b.newInst(op, args...)
	in.Imm = uint64(sh)
	return b.one(in)
}

// VectorLane emits extractlane, sextractlane or insertlane of lane.
func (b *Builder) VectorLane(op Opcode, sh Shape, lane int, args ...Value) Value {
	in := b.newInst(op, args...)
	in.Imm = ShapeImm(sh, lane)
	return b.one(in)
}

// Vicmp emits a lane-wise integer comparison giving an all-ones/zero mask.
func (b *Builder) Vicmp(sh Shape, cc IntCC, x, y Value) Value {
	in := b.newInst(OpVicmp, x, y)
	in.Imm, in.IntCC = uint64(sh), cc
	return b.one(in)
}

// Vfcmp emits a lane-wise float comparison giving an all-ones/zero mask.
func (b *Builder) Vfcmp(sh Shape, cc FloatCC, x, y Value) Value {
	in := b.newInst(OpVfcmp, x, y)
	in.Imm, in.FloatCC = uint64(sh), cc
	return b.one(in)
}

// Shuffle emits a byte shuffle of x‖y by the 16 selectors sel.
func (b *Builder) Shuffle(x, y Value, sel Const128) Value {
	in := b.newInst(OpShuffle, x, y)
	in.Imm = uint64(b.f.AddConst(sel))
	return b.one(in)
}
