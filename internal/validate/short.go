package validate

import "github.com/moat-run/moat/internal/wasm"

// Short validates an instruction that binary.ExprReader.NextShort read
// (op with immediates x and imm, at module offset at) as Instr would, when
// it can in a few steps: its operands are all above the innermost frame's
// height and of exactly the types wanted, no local needs its writes
// tracked, and a load or store is of a 32-bit memory 0. It reports whether
// it did; when it returns false nothing has changed, and Instr validates
// the instruction and says what is wrong, if anything. Most instructions
// of a body take this path, which skips Instr's dispatch.
func (f *FuncValidator) Short(op wasm.Opcode, x uint32, imm uint64, at int) bool {
	v := f.v
	top := v.ctrls.top
	n := len(v.vals)
	// One operand more at most: the depth check of step holds after.
	if top == nil || n >= maxOperands {
		return false
	}
	h := int(top.height)
	switch op {
	case wasm.OpLocalGet, wasm.OpLocalSet, wasm.OpLocalTee:
		if uint64(x) >= v.numLocals || len(v.runs) != 0 || v.inits.needed {
			return false
		}
		t := v.locals[x]
		switch {
		case op == wasm.OpLocalGet:
			v.vals = append(v.vals, t)
		case n <= h || v.vals[n-1] != t:
			return false
		case op == wasm.OpLocalSet:
			v.vals = v.vals[:n-1]
		}
	case wasm.OpGlobalGet:
		if x >= uint32(len(v.globals)) {
			return false
		}
		v.vals = append(v.vals, v.globals[x].Val)
	case wasm.OpGlobalSet:
		if x >= uint32(len(v.globals)) || !v.globals[x].Mutable || n <= h || v.vals[n-1] != v.globals[x].Val {
			return false
		}
		v.vals = v.vals[:n-1]
	case wasm.OpI32Const:
		v.vals = append(v.vals, wasm.I32)
	case wasm.OpI64Const:
		v.vals = append(v.vals, wasm.I64)
	default:
		// A numeric instruction, a load or a store: one or two operands,
		// at most one result.
		info := op.Info()
		if info == nil || info.Special || info.Feature != 0 || len(info.Results) > 1 {
			return false
		}
		switch info.Imm {
		case wasm.ImmNone:
		case wasm.ImmMemArg:
			if len(v.memories) == 0 || v.memories[0].Is64 || x > op.NaturalAlign() || imm > 0xFFFFFFFF {
				return false
			}
		default:
			return false
		}
		ps := info.Params
		m := n - len(ps)
		if m < h {
			return false
		}
		for i, p := range ps {
			if v.vals[m+i] != p {
				return false
			}
		}
		if len(info.Results) == 1 {
			v.vals = append(v.vals[:m], info.Results[0])
		} else {
			v.vals = v.vals[:m]
		}
	}
	v.off, v.op = at, op
	return true
}
