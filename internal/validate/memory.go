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
	natural := in.Op.NaturalAlign()
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
