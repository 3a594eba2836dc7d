package interp

import "github.com/moat-run/moat/internal/wasm"

// Loads and stores of memories other than a 32-bit memory 0 (multiple
// memories, 64-bit memories) take one generic instruction, opMemAccess,
// whose details sit in funcCode.memOps; the fast per-kind instructions stay
// for the common case.

// memAccess is the static part of a generic load or store.
type memAccess struct {
	op     wasm.Opcode // the wasm instruction
	mem    uint32
	offset uint64
	lane   uint32 // lane index of the _lane forms
	vec    uint32 // load_lane: slot of the vector operand
}

// otherMemory reports whether in is a load or store that needs the
// generic path.
func (t *translator) otherMemory(in *wasm.Instr) bool {
	info := in.Op.Info()
	if info.Imm != wasm.ImmMemArg && info.Imm != wasm.ImmMemArgLane {
		return false
	}
	return in.Mem != 0 || t.memories[in.Mem].Is64
}

// memAccess translates a load or store through opMemAccess.
func (t *translator) memAccess(in *wasm.Instr) error {
	info := in.Op.Info()
	ma := memAccess{op: in.Op, mem: in.Mem, offset: in.Imm, lane: in.Y}
	ins := instr{op: opMemAccess, c: uint32(len(t.memOps))}
	switch {
	case len(info.Results) == 0: // store: address, value
		v, addr := t.pop(), t.pop()
		ins.a, ins.b = t.src(v), t.src(addr)
	case len(info.Params) == 2: // load lane: address, vector
		v, addr := t.pop(), t.pop()
		ma.vec = t.src(v)
		ins.a, ins.b = addr.home, t.src(addr)
		t.pushReal(info.Results[0])
	default: // load: address
		addr := t.pop()
		ins.a, ins.b = addr.home, t.src(addr)
		t.pushReal(info.Results[0])
	}
	t.memOps = append(t.memOps, ma)
	t.emit(ins)
	if len(info.Results) > 0 {
		t.def()
	}
	return nil
}
