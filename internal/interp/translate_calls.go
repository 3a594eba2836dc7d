package interp

import "github.com/moat-run/moat/internal/wasm"

// callRef translates call_ref $t: a call through a function reference.
func (t *translator) callRef(typeIdx uint32) {
	ft := &t.m.Types[typeIdx].Func
	ref := t.pop()
	refSlot := t.src(ref)
	base := t.popArgs(len(ft.Params))
	t.emit(instr{op: opCallRef, a: base, b: typeIdx, imm: uint64(refSlot)})
	for _, r := range ft.Results {
		t.pushReal(r)
	}
	t.reserveHostSlots(base, ft)
	t.label()
}

// tailCall translates return_call, return_call_indirect and
// return_call_ref: the arguments go where a call's would, and the callee
// then takes over the frame (exec_calls.go moves them to its base).
func (t *translator) tailCall(in *wasm.Instr) {
	var ft *wasm.FuncType
	var op instr
	switch in.Op {
	case wasm.OpReturnCall:
		ft = t.funcTypes[in.X]
		op = instr{op: opReturnCall, b: in.X}
	case wasm.OpReturnCallIndirect:
		ft = &t.m.Types[in.X].Func
		idx := t.pop()
		op = instr{op: opReturnCallIndirect, b: in.X, c: in.Y, imm: uint64(t.src(idx))}
	case wasm.OpReturnCallRef:
		ft = &t.m.Types[in.X].Func
		ref := t.pop()
		op = instr{op: opReturnCallRef, b: in.X, imm: uint64(t.src(ref))}
	}
	op.a = t.popArgs(len(ft.Params))
	t.emit(op)
	// A host callee (or a callee of another engine) runs as an ordinary
	// call at the argument base, so the frame must hold its slots.
	t.reserveHostSlots(op.a, ft)
}
