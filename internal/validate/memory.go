package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// memory checks that memory x exists (Wasm 2.0 instructions only name 0).
func (v *validator) memory(x uint32) error {
	if x >= v.numMems {
		return v.fail("unknown memory %d", x)
	}
	return nil
}

// dataSegment checks that data segment x exists. Bodies may only name data
// segments when the data count section is present, because a one-pass
// compiler must know the count before it reaches the data section; the
// decoder enforces that, and a missing segment is still "unknown" here.
func (v *validator) dataSegment(x uint32) error {
	if x >= v.numDatas {
		return v.fail("unknown data segment %d", x)
	}
	if !v.m.HasDataCount {
		return v.malformed("data count section required")
	}
	return nil
}

// memArg checks a load or store: memory 0 exists, 2^align is at most the
// access width and, for the lane forms, the lane index is in range.
func (v *validator) memArg(in *wasm.Instr, imm wasm.ImmKind) error {
	if err := v.memory(0); err != nil {
		return err
	}
	natural := naturalAlign(in.Op)
	if in.X > natural {
		return v.fail("alignment must not be larger than natural")
	}
	if imm == wasm.ImmMemArgLane {
		// The lane count is the vector width over the access width.
		if lanes := uint32(16) >> natural; in.Y >= lanes {
			return v.fail("invalid lane index")
		}
	}
	return nil
}

// naturalAlign is log2 of the access width in bytes of a memory instruction.
func naturalAlign(op wasm.Opcode) uint32 {
	switch op {
	case wasm.OpI32Load8S, wasm.OpI32Load8U, wasm.OpI64Load8S, wasm.OpI64Load8U,
		wasm.OpI32Store8, wasm.OpI64Store8,
		wasm.OpV128Load8Splat, wasm.OpV128Load8Lane, wasm.OpV128Store8Lane:
		return 0
	case wasm.OpI32Load16S, wasm.OpI32Load16U, wasm.OpI64Load16S, wasm.OpI64Load16U,
		wasm.OpI32Store16, wasm.OpI64Store16,
		wasm.OpV128Load16Splat, wasm.OpV128Load16Lane, wasm.OpV128Store16Lane:
		return 1
	case wasm.OpI32Load, wasm.OpF32Load, wasm.OpI64Load32S, wasm.OpI64Load32U,
		wasm.OpI32Store, wasm.OpF32Store, wasm.OpI64Store32,
		wasm.OpV128Load32Splat, wasm.OpV128Load32Lane, wasm.OpV128Store32Lane, wasm.OpV128Load32Zero:
		return 2
	case wasm.OpI64Load, wasm.OpF64Load, wasm.OpI64Store, wasm.OpF64Store,
		wasm.OpV128Load8x8S, wasm.OpV128Load8x8U, wasm.OpV128Load16x4S, wasm.OpV128Load16x4U,
		wasm.OpV128Load32x2S, wasm.OpV128Load32x2U,
		wasm.OpV128Load64Splat, wasm.OpV128Load64Lane, wasm.OpV128Store64Lane, wasm.OpV128Load64Zero:
		return 3
	case wasm.OpV128Load, wasm.OpV128Store:
		return 4
	}
	return 0
}
