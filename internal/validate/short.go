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
		sig := &shortSigs[byte(op)]
		if op > 0xff || sig.params == 0 {
			return false
		}
		if sig.memArg && (len(v.memories) == 0 || v.memories[0].Is64 || x > sig.align || imm > 0xFFFFFFFF) {
			return false
		}
		m := n - int(sig.params)
		if m < h || v.vals[m] != sig.p0 || sig.params == 2 && v.vals[m+1] != sig.p1 {
			return false
		}
		if sig.result != 0 {
			v.vals = append(v.vals[:m], sig.result)
		} else {
			v.vals = v.vals[:m]
		}
	}
	v.off, v.op = at, op
	return true
}

// shortSig is what Short checks of a numeric, load or store instruction,
// from its description (wasm.OpInfo), by one-byte opcode.
type shortSig struct {
	params uint8 // 1 or 2; 0: Short leaves the opcode to Instr
	p0, p1 wasm.ValType
	result wasm.ValType // 0: none
	memArg bool         // a load or store: its alignment is at most align
	align  uint32
}

var shortSigs = func() (t [256]shortSig) {
	for c := range t {
		op := wasm.Opcode(c)
		info := op.Info()
		if info == nil || info.Special || info.Feature != 0 || len(info.Params) == 0 ||
			len(info.Params) > 2 || len(info.Results) > 1 {
			continue
		}
		sig := shortSig{params: uint8(len(info.Params)), p0: info.Params[0]}
		if len(info.Params) == 2 {
			sig.p1 = info.Params[1]
		}
		if len(info.Results) == 1 {
			if info.Results[0] == 0 {
				continue // a result of type 0 could not be told from none
			}
			sig.result = info.Results[0]
		}
		switch info.Imm {
		case wasm.ImmNone:
		case wasm.ImmMemArg:
			sig.memArg, sig.align = true, op.NaturalAlign()
		default:
			continue
		}
		t[c] = sig
	}
	return t
}()
