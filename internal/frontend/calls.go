package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// call translates a direct call. A defined function is called directly
// as "call fnN" with this function's context; an imported function is
// called through its descriptor in the function table, with the context
// of the instance that defines it.
func (t *translator) call(fn uint32) error {
	ft := t.m.FuncTypeOf(fn)
	if ft == nil {
		return fmt.Errorf("call of function %d out of range", fn)
	}
	ref, err := t.sigRef(ft)
	if err != nil {
		return err
	}
	args := t.popN(len(ft.Params))
	var res []ssa.Value
	if fn < t.m.NumImportedFuncs {
		res = t.callDesc(t.funcDesc(fn), ref, args, fixedField)
	} else {
		t.callArgs = append(append(t.callArgs[:0], t.ctx), args...) // the call copies them
		res = t.emitCall(ssa.FuncRef(fn), ref, t.callArgs)
		t.afterCall()
		t.checkCaught()
	}
	t.stack = append(t.stack, res...)
	return nil
}

// callIndirect translates call_indirect of type typeIndex through table:
// an index past the table's end traps with undefined-element, a null
// entry with uninitialized-element, a signature mismatch with
// indirect-call-type-mismatch.
func (t *translator) callIndirect(typeIndex, table uint32) error {
	if typeIndex >= uint32(len(t.m.Types)) {
		return fmt.Errorf("call_indirect type %d out of range", typeIndex)
	}
	ft := &t.m.Types[typeIndex].Func
	if err := t.buildSig(ft); err != nil {
		return err
	}
	idx := t.pop()
	args := t.popN(len(ft.Params))
	desc := t.indirectCallee(typeIndex, table, idx)
	res := t.callDesc(desc, t.addBuiltSig(), args, fixedField)
	t.stack = append(t.stack, res...)
	return nil
}

// indirectCallee is the descriptor of table[idx], checked for
// call_indirect of type typeIndex.
func (t *translator) indirectCallee(typeIndex, table uint32, idx ssa.Value) ssa.Value {
	b := t.b
	desc := b.Load(ssa.OpLoad, ssa.I64, t.tableElemAddr(table, idx, abi.TrapUndefinedElement), 0, liveField)
	b.Trapz(desc, abi.TrapUninitializedElement)
	t.checkTypeID(desc, typeIndex)
	return desc
}

// reference translates ref.null, ref.is_null and ref.func. A reference is
// an i64 word, 0 for null; a funcref is a function descriptor address.
func (t *translator) reference(in *wasm.Instr) {
	b := t.b
	switch in.Op {
	case wasm.OpRefNull:
		t.push(b.Iconst(ssa.I64, 0))
	case wasm.OpRefIsNull:
		t.push(b.Icmp(ssa.IntEQ, t.pop(), b.Iconst(ssa.I64, 0)))
	case wasm.OpRefFunc:
		t.push(t.funcDesc(in.X))
	}
}
