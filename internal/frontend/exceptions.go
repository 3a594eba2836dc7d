package frontend

import (
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Exceptions. A try_table is a block whose catch clauses become a handler:
// every call inside it is a try_call naming the handler, after which the
// code tests the context's caught word (abi.CtxCaught) and, when the
// runtime resumed the function with an exception caught, goes to the
// handler's dispatch block. There a br_table on the clause number jumps to
// the clause's code, which reads the payload (and exnref) from the context
// and branches to the clause's label. The runtime finds the handler from
// the call's return address (the back end's landing table) and evaluates
// the clauses itself, innermost handler first, in the order the dispatch
// numbers them: the handler's own clauses, then its parent's, and so on.
//
// throw and throw_ref are exits to the runtime; inside a handler's range
// they are try_calls of their builtin too, after which the code goes to
// the dispatch block (the runtime resumes there only with an exception
// caught).

// Handler is one try_table of a translated function: its catch clauses
// and the index of the handler around it (-1: none). The try_calls of the
// function name handlers by their index in Translator.Handlers.
type Handler struct {
	Parent  int32
	Clauses []Clause
}

// Clause is a catch clause: its kind and, for catch and catch_ref, the
// tag index.
type Clause struct {
	Kind wasm.CatchKind
	Tag  uint32
}

// handlerState is a handler while its function is translated.
type handlerState struct {
	Handler
	// targets are the clauses' labels: indices in translator.frames.
	targets []int
	// dispatch is the block the caught tests branch to (made on first
	// use), with the caught word as its parameter.
	dispatch *ssa.Block
}

// Handlers are the exception handlers of the function last translated,
// valid until the next Translate.
func (tr *Translator) Handlers() []Handler {
	if tr.t == nil || len(tr.t.handlers) == 0 {
		return nil
	}
	hs := make([]Handler, len(tr.t.handlers))
	for i := range tr.t.handlers {
		hs[i] = tr.t.handlers[i].Handler
	}
	return hs
}

// handler is the innermost handler around the code being translated, or -1.
func (t *translator) handler() int32 {
	if n := len(t.frames); n > 0 {
		return t.frames[n-1].handler
	}
	return -1
}

// newHandler starts the handler of try_table in, whose clauses' labels
// are resolved outside it.
func (t *translator) newHandler(in *wasm.Instr) (int32, error) {
	h := handlerState{Handler: Handler{Parent: t.handler()}}
	for _, cl := range in.Catches {
		if cl.Label >= uint32(len(t.frames)) {
			return 0, fmt.Errorf("catch label %d out of range", cl.Label)
		}
		if cl.Kind.HasTag() && t.m.TagType(cl.Tag) == nil {
			return 0, fmt.Errorf("tag %d out of range", cl.Tag)
		}
		h.Clauses = append(h.Clauses, Clause{Kind: cl.Kind, Tag: cl.Tag})
		h.targets = append(h.targets, len(t.frames)-1-int(cl.Label))
	}
	t.handlers = append(t.handlers, h)
	return int32(len(t.handlers) - 1), nil
}

// emitCall is a direct call, a try_call inside a handler's range.
func (t *translator) emitCall(fn ssa.FuncRef, sig ssa.SigRef, args []ssa.Value) []ssa.Value {
	if h := t.handler(); h >= 0 {
		return t.b.TryCall(fn, sig, uint32(h), args...)
	}
	return t.b.Call(fn, sig, args...)
}

// emitCallIndirect is an indirect call, a try_call_indirect inside a
// handler's range.
func (t *translator) emitCallIndirect(sig ssa.SigRef, addr ssa.Value, args []ssa.Value) []ssa.Value {
	if h := t.handler(); h >= 0 {
		return t.b.TryCallIndirect(sig, uint32(h), addr, args...)
	}
	return t.b.CallIndirect(sig, addr, args...)
}

// caught reads the context's caught word.
func (t *translator) caught() ssa.Value {
	return t.b.Load(ssa.OpLoad, ssa.I32, t.ctx, abi.CtxCaught, liveField)
}

// checkCaught follows a try_call: to the handler's dispatch when the
// runtime resumed with an exception caught.
func (t *translator) checkCaught() {
	h := t.handler()
	if h < 0 {
		return
	}
	c := t.caught()
	cont := t.b.CreateBlock()
	t.b.Brif(c, t.dispatchBlock(h), []ssa.Value{c}, cont, nil)
	t.b.SealBlock(cont)
	t.b.SwitchToBlock(cont)
}

// dispatchBlock is handler h's dispatch block.
func (t *translator) dispatchBlock(h int32) *ssa.Block {
	hs := &t.handlers[h]
	if hs.dispatch == nil {
		hs.dispatch = t.newFollow([]ssa.Type{ssa.I32})
	}
	return hs.dispatch
}

// throw translates throw tag: the payload goes to the runtime, which
// unwinds to the handler that catches it.
func (t *translator) throw(tag uint32) error {
	ft := t.m.TagType(tag)
	if ft == nil {
		return fmt.Errorf("tag %d out of range", tag)
	}
	args := t.popN(len(ft.Params))
	params := []ssa.Type{ssa.I64, ssa.I32}
	for _, a := range args {
		params = append(params, t.f.ValueType(a))
	}
	callArgs := append([]ssa.Value{t.ctx, t.b.Iconst(ssa.I32, int64(tag))}, args...)
	t.throwExit(abi.BuiltinThrow, ssa.Signature{Params: params}, callArgs)
	return nil
}

// throwRef translates throw_ref: null traps, anything else is rethrown.
func (t *translator) throwRef() {
	ref := t.pop()
	t.b.Trapz(ref, abi.TrapNullExceptionReference)
	t.throwExit(abi.BuiltinThrowRef, ssa.Signature{Params: []ssa.Type{ssa.I64, ssa.I64}}, []ssa.Value{t.ctx, ref})
}

// throwExit leaves through builtin r; what follows is reached only when
// this function catches the exception itself.
func (t *translator) throwExit(r abi.Builtin, sig ssa.Signature, args []ssa.Value) {
	ref := t.f.AddSig(sig)
	callee := ssa.FuncRef(abi.BuiltinCallee + uint32(r))
	if h := t.handler(); h >= 0 {
		t.b.TryCall(callee, ref, uint32(h), args...)
		t.reloadMemLen()
		t.b.Jump(t.dispatchBlock(h), t.caught())
	} else {
		t.b.Call(callee, ref, args...)
		t.b.Trap(abi.TrapUnreachable)
	}
	t.markDead()
}

// finishHandler emits handler h's dispatch, at the end of its try_table
// (every try_call of its range is translated by then): the caught word is
// reset, then a br_table on the clause number picks the clause's code.
func (t *translator) finishHandler(h int32) {
	d := t.handlers[h].dispatch
	if d == nil {
		return
	}
	b := t.b
	saved := b.CurrentBlock()
	b.SealBlock(d)
	b.SwitchToBlock(d)
	b.Store(ssa.OpStore, b.Iconst(ssa.I32, 0), t.ctx, abi.CtxCaught, liveField)
	var table []ssa.BlockCall
	var clauses []*ssa.Block
	type clauseAt struct{ handler, index int }
	var at []clauseAt
	for k := h; k >= 0; k = t.handlers[k].Parent {
		for i := range t.handlers[k].Clauses {
			blk := b.CreateBlock()
			table = append(table, ssa.BlockCall{Block: blk})
			clauses = append(clauses, blk)
			at = append(at, clauseAt{int(k), i})
		}
	}
	none := b.CreateBlock()
	b.BrTable(b.Isub(d.Params[0], b.Iconst(ssa.I32, 1)), ssa.BlockCall{Block: none}, table)
	for i, blk := range clauses {
		b.SealBlock(blk)
		b.SwitchToBlock(blk)
		hs := &t.handlers[at[i].handler]
		t.catchClause(hs.Clauses[at[i].index], hs.targets[at[i].index])
	}
	b.SealBlock(none)
	b.SwitchToBlock(none)
	b.Trap(abi.TrapUnreachable)
	b.SwitchToBlock(saved)
}

// catchClause reads what clause cl hands its label (the payload, the
// exnref) and branches there.
func (t *translator) catchClause(cl Clause, target int) {
	b := t.b
	var vals []ssa.Value
	if cl.Kind.HasTag() {
		p := t.ctxLoad(abi.CtxExnPayload, liveField)
		w := int32(0)
		for _, pt := range t.m.TagType(cl.Tag).Params {
			st, _ := valueType(pt)
			vals = append(vals, b.Load(ssa.OpLoad, st, p, 8*w, ssa.MemNoTrap))
			w += int32(pt.Slots())
		}
	}
	if cl.Kind == wasm.CatchRef || cl.Kind == wasm.CatchAllRef {
		vals = append(vals, t.ctxLoad(abi.CtxExnRef, liveField))
	}
	fr := &t.frames[target]
	// The handler's path began at a throw somewhere in the try_table's
	// body, whose count since a poll is not followed here: count it full.
	if fr.kind == frameFunc {
		t.polls.longStretch = true
		b.Return(vals...)
		return
	}
	b.Jump(t.labelBlock(fr), vals...)
	fr.reachFollow(pollCount{work: PollStretch})
}
