package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// memoryAt returns memory x's type, recording the use of multiple memories
// for any index but 0.
func (v *validator) memoryAt(x uint32) (*wasm.MemoryType, error) {
	if x >= uint32(len(v.memories)) {
		return nil, v.fail("unknown memory %d", x)
	}
	if x != 0 {
		if err := v.useHere(wasm.FeatureMultiMemory); err != nil {
			return nil, err
		}
	}
	return &v.memories[x], nil
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

// memArg checks a load or store: its memory exists, 2^align is at most the
// access width, a 32-bit memory's offset fits in 32 bits and, for the lane
// forms, the lane index is in range.
func (v *validator) memArg(in *wasm.Instr, imm wasm.ImmKind) error {
	mt, err := v.memoryAt(in.Mem)
	if err != nil {
		return err
	}
	natural := in.Op.NaturalAlign()
	if in.X > natural {
		return v.fail("alignment must not be larger than natural")
	}
	if !mt.Is64 && in.Imm > 0xFFFFFFFF {
		return v.fail("offset out of range")
	}
	if imm == wasm.ImmMemArgLane {
		// The lane count is the vector width over the access width.
		if lanes := uint32(16) >> natural; in.Y >= lanes {
			return v.fail("invalid lane index")
		}
	}
	return nil
}

// memoryOp validates memory.size, memory.grow, memory.fill, memory.copy and
// memory.init, whose addresses and sizes have their memory's address type.
func (v *validator) memoryOp(in *wasm.Instr) error {
	switch in.Op {
	case wasm.OpMemoryCopy:
		dt, err := v.memoryAt(in.X)
		if err != nil {
			return err
		}
		st, err := v.memoryAt(in.Y)
		if err != nil {
			return err
		}
		n := wasm.I32
		if dt.Is64 && st.Is64 {
			n = wasm.I64
		}
		return v.popVals([]wasm.ValType{dt.AddrType(), st.AddrType(), n})
	case wasm.OpMemoryInit:
		mt, err := v.memoryAt(in.Y)
		if err != nil {
			return err
		}
		if err := v.dataSegment(in.X); err != nil {
			return err
		}
		return v.popVals([]wasm.ValType{mt.AddrType(), wasm.I32, wasm.I32})
	}
	mt, err := v.memoryAt(in.X)
	if err != nil {
		return err
	}
	at := mt.AddrType()
	switch in.Op {
	case wasm.OpMemorySize:
		v.push(at)
	case wasm.OpMemoryGrow:
		if _, err := v.popExpect(at); err != nil {
			return err
		}
		v.push(at)
	case wasm.OpMemoryFill:
		return v.popVals([]wasm.ValType{at, wasm.I32, at})
	}
	return nil
}
