package wasm

// NaturalAlign is log2 of the access width in bytes of a memory
// instruction (one with a memarg): the largest alignment a module may
// declare, and the one the text format assumes when align= is absent.
// It is 0 for an instruction without a memarg.
func (op Opcode) NaturalAlign() uint32 {
	switch op {
	case OpI32Load8S, OpI32Load8U, OpI64Load8S, OpI64Load8U,
		OpI32Store8, OpI64Store8,
		OpV128Load8Splat, OpV128Load8Lane, OpV128Store8Lane:
		return 0
	case OpI32Load16S, OpI32Load16U, OpI64Load16S, OpI64Load16U,
		OpI32Store16, OpI64Store16,
		OpV128Load16Splat, OpV128Load16Lane, OpV128Store16Lane:
		return 1
	case OpI32Load, OpF32Load, OpI64Load32S, OpI64Load32U,
		OpI32Store, OpF32Store, OpI64Store32,
		OpV128Load32Splat, OpV128Load32Lane, OpV128Store32Lane, OpV128Load32Zero:
		return 2
	case OpI64Load, OpF64Load, OpI64Store, OpF64Store,
		OpV128Load8x8S, OpV128Load8x8U, OpV128Load16x4S, OpV128Load16x4U,
		OpV128Load32x2S, OpV128Load32x2U,
		OpV128Load64Splat, OpV128Load64Lane, OpV128Store64Lane, OpV128Load64Zero:
		return 3
	case OpV128Load, OpV128Store:
		return 4
	}
	return 0
}
