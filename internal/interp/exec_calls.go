package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// resolveCallee finds the callee of call_indirect (and
// return_call_indirect) or call_ref (and return_call_ref), and checks its
// type: a subtype of the one the instruction names.
func (m *machine) resolveCallee(st *instState, in *instr, regs []uint64) (*vm.Function, abi.TrapCode) {
	var f *vm.Function
	switch in.op {
	case opCallIndirect, opReturnCallIndirect:
		tbl := st.tables[in.c]
		i := regs[in.imm]
		if !tbl.Type.Is64 {
			i = uint64(uint32(i))
		}
		if i >= uint64(len(tbl.Elems)) {
			return nil, abi.TrapUndefinedElement
		}
		ref := tbl.Elems[i]
		if ref == 0 {
			return nil, abi.TrapUninitializedElement
		}
		if f = st.store.Func(ref); f == nil {
			return nil, abi.TrapUninitializedElement
		}
	default: // call_ref, return_call_ref
		if f = st.store.Func(regs[in.imm]); f == nil {
			return nil, abi.TrapNullFunctionReference
		}
	}
	want := &st.module.Types[in.b].Func
	if f.Type != want && !f.Type.SubtypeOf(want) {
		return nil, abi.TrapIndirectCallTypeMismatch
	}
	return f, abi.TrapNone
}

// tailCallee resolves the callee of a tail call: wasm code of this engine
// (callee), or any other function f to call as an ordinary call.
func (m *machine) tailCallee(st *instState, in *instr, regs []uint64) (callee *boundFunc, f *vm.Function, tc abi.TrapCode) {
	if in.op == opReturnCall {
		return st.bound[in.b], st.funcs[in.b], abi.TrapNone
	}
	if f, tc = m.resolveCallee(st, in, regs); tc != abi.TrapNone {
		return nil, nil, tc
	}
	if bf, ok := f.Code.(*boundFunc); ok && f.Host == nil {
		return bf, f, abi.TrapNone
	}
	return nil, f, abi.TrapNone
}
