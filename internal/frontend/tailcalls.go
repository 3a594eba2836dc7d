package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Tail calls end the block with return_call or return_call_indirect: the
// callee replaces this function's frame (the back end reuses it). A callee
// that is not code of this instance (a host function, another instance's
// function) is tail-called through its host call stub, which then stands
// in this function's place until the runtime has made the call.

// tailCall translates return_call, return_call_indirect and return_call_ref.
func (t *translator) tailCall(in *wasm.Instr) error {
	t.noteReturn()
	switch in.Op {
	case wasm.OpReturnCall:
		ft := t.m.FuncTypeOf(in.X)
		if ft == nil {
			return fmt.Errorf("return_call of function %d out of range", in.X)
		}
		sig, err := signature(ft)
		if err != nil {
			return err
		}
		args := t.popN(len(ft.Params))
		ref := t.f.AddSig(sig)
		t.noteCall()
		if in.X < t.m.NumImportedFuncs {
			t.tailCallDesc(t.funcDesc(in.X), ref, args, fixedField)
		} else {
			t.b.ReturnCall(ssa.FuncRef(in.X), ref, append([]ssa.Value{t.ctx}, args...)...)
		}
	case wasm.OpReturnCallIndirect:
		sig, ft, err := t.typeSignature(in.X)
		if err != nil {
			return err
		}
		idx := t.pop()
		args := t.popN(len(ft.Params))
		desc := t.indirectCallee(in.X, in.Y, idx)
		t.noteCall()
		t.tailCallDesc(desc, t.f.AddSig(sig), args, fixedField)
	case wasm.OpReturnCallRef:
		sig, ft, err := t.typeSignature(in.X)
		if err != nil {
			return err
		}
		ref := t.pop()
		args := t.popN(len(ft.Params))
		t.b.Trapz(ref, abi.TrapNullFunctionReference)
		t.noteCall()
		t.tailCallDesc(ref, t.f.AddSig(sig), args, refField)
	}
	t.markDead()
	return nil
}

// tailCallDesc tail-calls through a function descriptor, as callDesc
// calls: directly when the callee's context is ours, else through the
// descriptor's host call stub.
func (t *translator) tailCallDesc(desc ssa.Value, sig ssa.SigRef, args []ssa.Value, flags ssa.MemFlags) {
	b := t.b
	s := t.f.Sigs[sig]
	calleeCtx := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescContext, flags)
	local, foreign := b.CreateBlock(), b.CreateBlock()
	b.Brif(b.Icmp(ssa.IntEQ, calleeCtx, t.ctx), local, nil, foreign, nil)
	b.SealBlock(local)
	b.SealBlock(foreign)

	b.SwitchToBlock(local)
	code := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescCode, flags)
	b.ReturnCallIndirect(sig, code, append([]ssa.Value{t.ctx}, args...)...)

	b.SwitchToBlock(foreign)
	hs := ssa.Signature{Params: append(append([]ssa.Type(nil), s.Params...), ssa.I64), Results: s.Results}
	stub := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescHostCall, flags)
	b.ReturnCallIndirect(t.f.AddSig(hs), stub, append(append([]ssa.Value{t.ctx}, args...), desc)...)
}

// noteCall records, for the entry poll, that the function calls.
func (t *translator) noteCall() {
	t.polls.mayRunLong = true
	if n := len(t.frames); n == 0 || !t.frames[n-1].inLoop {
		t.polls.callOutsideLoop = true
	}
}
