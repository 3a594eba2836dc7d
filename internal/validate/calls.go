package validate

import (
	"github.com/moat-run/moat/internal/wasm"
)

// calls validates call_ref and the tail calls: return_call,
// return_call_indirect and return_call_ref.
func (v *validator) calls(in *wasm.Instr) error {
	var ft *wasm.FuncType
	var err error
	switch in.Op {
	case wasm.OpReturnCall:
		if in.X >= uint32(len(v.funcTypes)) {
			return v.fail("unknown function %d", in.X)
		}
		ft = v.funcTypes[in.X]
	case wasm.OpReturnCallIndirect:
		ft, err = v.indirectCallee(in)
	case wasm.OpCallRef, wasm.OpReturnCallRef:
		if ft, err = v.funcTypeIndex(in.X); err == nil {
			_, err = v.popExpect(wasm.RefType(true, wasm.HeapType(in.X)))
		}
	}
	if err != nil {
		return err
	}
	if in.Op == wasm.OpCallRef {
		return v.call(ft)
	}
	// A tail call returns the callee's results as the caller's own.
	if !v.matchAll(ft.Results, v.results) {
		return v.fail("type mismatch: current function requires result type [%s] but callee returns [%s]",
			typeList(v.results), typeList(ft.Results))
	}
	if err := v.popVals(ft.Params); err != nil {
		return err
	}
	v.setUnreachable()
	return nil
}
