package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// lane checks the lane index of an extract_lane or replace_lane against the
// number of lanes of its shape.
func (v *validator) lane(in *wasm.Instr) error {
	if in.Y >= laneCount(in.Op) {
		return v.fail("invalid lane index")
	}
	return nil
}

// shuffle checks that each of i8x16.shuffle's 16 lane indices selects one of
// the 32 bytes of its two operands.
func (v *validator) shuffle(in *wasm.Instr) error {
	for _, w := range [2]uint64{in.Imm, in.Hi} {
		for i := 0; i < 8; i++ {
			if byte(w>>(8*i)) >= 32 {
				return v.fail("invalid lane index")
			}
		}
	}
	return nil
}

// laneCount is the number of lanes of a lane instruction's shape.
func laneCount(op wasm.Opcode) uint32 {
	switch op {
	case wasm.OpI8x16ExtractLaneS, wasm.OpI8x16ExtractLaneU, wasm.OpI8x16ReplaceLane:
		return 16
	case wasm.OpI16x8ExtractLaneS, wasm.OpI16x8ExtractLaneU, wasm.OpI16x8ReplaceLane:
		return 8
	case wasm.OpI32x4ExtractLane, wasm.OpI32x4ReplaceLane, wasm.OpF32x4ExtractLane, wasm.OpF32x4ReplaceLane:
		return 4
	case wasm.OpI64x2ExtractLane, wasm.OpI64x2ReplaceLane, wasm.OpF64x2ExtractLane, wasm.OpF64x2ReplaceLane:
		return 2
	}
	return 0
}
