package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// This file is the one place that decides how WebAssembly state is reached
// from the execution context (internal/abi describes the layouts). Every
// other file asks these functions; changing the runtime contract means
// changing only this file.
//
// Flags: every access here is to runtime memory that is always mapped, so
// all loads are notrap. Fields that never change while the function runs
// (memory base, the globals and function arrays, cell addresses, function
// descriptors, immutable globals) are also readonly, which lets GVN merge
// them and LICM hoist them. The memory length, table descriptors and
// mutable globals are not.
//
// The stack limit is not checked here: the back end's prologue compares
// the stack pointer with CtxStackLimit (it alone knows the frame size).

const (
	fixedField = ssa.MemNoTrap | ssa.MemReadOnly
	liveField  = ssa.MemNoTrap
	// refField is for the fields of a function descriptor reached through
	// a typed reference: the reference may be null until the check just
	// before the loads, so they must not be hoisted above it (readonly
	// loads are pure, and passes may move pure code).
	refField = ssa.MemNoTrap
)

// ctxLoad loads the 64-bit context field at off.
func (t *translator) ctxLoad(off int32, flags ssa.MemFlags) ssa.Value {
	return t.b.Load(ssa.OpLoad, ssa.I64, t.ctx, off, flags)
}

// memoryBase is the address of byte 0 of memory 0. Memory grows in place,
// so the base never changes.
func (t *translator) memoryBase() ssa.Value {
	return t.ctxLoad(abi.CtxMemoryBase, fixedField)
}

// memoryLen is memory 0's current length in bytes (an i64). With guard
// pages only memory.size and the rare access whose offset passes the
// guard read it: it is loaded where it is read, not reloaded after every
// call for a variable nothing reads (one load after each call of Go's
// code, all dead).
func (t *translator) memoryLen() ssa.Value {
	if t.lazyMemLen {
		return t.ctxLoad(abi.CtxMemoryLen, liveField)
	}
	return t.b.UseVar(t.memLen)
}

// reloadMemLen rereads the memory length after anything that may have
// grown memory: calls (the callee or a host function may grow it),
// memory.grow and the builtins.
func (t *translator) reloadMemLen() {
	if t.hasMemory && !t.lazyMemLen {
		t.defVar(t.memLen, t.ctxLoad(abi.CtxMemoryLen, liveField))
	}
}

// afterCall is run after every call that leaves the function.
func (t *translator) afterCall() {
	t.noteCall()
	t.reloadMemLen()
}

// globalCell is the address of global g's 16-byte cell.
func (t *translator) globalCell(g uint32) ssa.Value {
	arr := t.ctxLoad(abi.CtxGlobalsBase, fixedField)
	return t.b.Load(ssa.OpLoad, ssa.I64, t.elemAddr(arr, uint64(g)*abi.GlobalAddrSize), 0, fixedField)
}

// elemAddr is base + off (off is a constant).
func (t *translator) elemAddr(base ssa.Value, off uint64) ssa.Value {
	if off == 0 {
		return base
	}
	return t.b.Iadd(base, t.b.Iconst(ssa.I64, int64(off)))
}

func (t *translator) globalGet(g uint32, gt wasm.GlobalType) ssa.Value {
	st, _ := valueType(gt.Val)
	flags := liveField
	if !gt.Mutable {
		flags = fixedField
	}
	return t.b.Load(ssa.OpLoad, st, t.globalCell(g), 0, flags)
}

func (t *translator) globalSet(g uint32, _ wasm.GlobalType, v ssa.Value) {
	t.b.Store(ssa.OpStore, v, t.globalCell(g), 0, liveField)
}

// tableDesc is the address of table i's descriptor.
func (t *translator) tableDesc(table uint32) ssa.Value {
	arr := t.ctxLoad(abi.CtxTablesBase, fixedField)
	return t.elemAddr(arr, uint64(table)*abi.TableDescSize)
}

// tableLen is table i's current size (i64), from its descriptor.
func (t *translator) tableLen(desc ssa.Value) ssa.Value {
	return t.b.Load(ssa.OpLoad, ssa.I64, desc, abi.TableDescLen, liveField)
}

// tableElemAddr checks idx (an i32, or an i64 for a 64-bit table) against
// the table's size, trapping with code when it is out of range, and
// returns the element's address.
func (t *translator) tableElemAddr(table uint32, idx ssa.Value, code abi.TrapCode) ssa.Value {
	b := t.b
	desc := t.tableDesc(table)
	i := idx
	if !t.table64(table) {
		i = b.Uextend(idx)
	}
	b.Trapnz(b.Icmp(ssa.IntUGE, i, t.tableLen(desc)), code)
	elems := b.Load(ssa.OpLoad, ssa.I64, desc, abi.TableDescElems, liveField)
	return b.Iadd(elems, b.Ishl(i, b.Iconst(ssa.I64, 3)))
}

// funcDesc is the descriptor address of function index fn (a funcref).
func (t *translator) funcDesc(fn uint32) ssa.Value {
	arr := t.ctxLoad(abi.CtxFuncTable, fixedField)
	return t.b.Load(ssa.OpLoad, ssa.I64, t.elemAddr(arr, uint64(fn)*abi.FuncTableElemSize), 0, fixedField)
}

// callDesc calls through a function descriptor. A callee of this instance
// (its context is ours) is called directly; any other callee (another
// instance's function, or a host function) through the descriptor's host
// call stub, with our context and the descriptor appended: code only ever
// runs with the context the runtime entered it with (see abi.ExitHostCall).
//
// flags are those of the loads through desc: fixedField for a descriptor
// that cannot be null (ref.func's, or a table element checked before it
// was loaded), refField for one from a reference checked just before.
func (t *translator) callDesc(desc ssa.Value, sig ssa.SigRef, args []ssa.Value, flags ssa.MemFlags) []ssa.Value {
	b := t.b
	s := t.f.Sigs[sig]
	calleeCtx := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescContext, flags)
	local, foreign, join := b.CreateBlock(), b.CreateBlock(), b.CreateBlock()
	res := make([]ssa.Value, len(s.Results))
	for k, rt := range s.Results {
		res[k] = b.AppendBlockParam(join, rt)
	}
	b.Brif(b.Icmp(ssa.IntEQ, calleeCtx, t.ctx), local, nil, foreign, nil)
	b.SealBlock(local)
	b.SealBlock(foreign)

	b.SwitchToBlock(local)
	code := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescCode, flags)
	r1 := t.emitCallIndirect(sig, code, append([]ssa.Value{t.ctx}, args...))
	b.Jump(join, r1...)

	b.SwitchToBlock(foreign)
	hs := ssa.Signature{Params: append(append([]ssa.Type(nil), s.Params...), ssa.I64), Results: s.Results}
	stub := b.Load(ssa.OpLoad, ssa.I64, desc, abi.FuncDescHostCall, flags)
	r2 := t.emitCallIndirect(t.f.AddSig(hs), stub, append(append([]ssa.Value{t.ctx}, args...), desc))
	b.Jump(join, r2...)

	b.SealBlock(join)
	b.SwitchToBlock(join)
	t.afterCall()
	t.checkCaught()
	return res
}

// checkTypeID traps with indirect-call-type-mismatch unless the
// descriptor's type id is the canonical id of module type typeIndex, read
// from the context's type-id array (abi.CtxTypeIDs): the code holds no
// engine-specific constant. A type that is not final may have subtypes,
// whose functions pass too: when the ids differ, the runtime decides
// (abi.BuiltinFuncSubtype).
func (t *translator) checkTypeID(desc ssa.Value, typeIndex uint32) {
	b := t.b
	id := b.Load(ssa.OpLoad, ssa.I32, desc, abi.FuncDescTypeID, fixedField)
	ids := t.ctxLoad(abi.CtxTypeIDs, fixedField)
	want := b.Load(ssa.OpLoad, ssa.I32, t.elemAddr(ids, uint64(typeIndex)*4), 0, fixedField)
	if t.m.Types[typeIndex].Final {
		b.Trapnz(b.Icmp(ssa.IntNE, id, want), abi.TrapIndirectCallTypeMismatch)
		return
	}
	same, slow := b.CreateBlock(), b.CreateBlock()
	b.Brif(b.Icmp(ssa.IntEQ, id, want), same, nil, slow, nil)
	b.SealBlock(slow)
	b.SwitchToBlock(slow)
	t.callBuiltin(abi.BuiltinFuncSubtype, nil, desc, b.Iconst(ssa.I32, int64(typeIndex)))
	b.Jump(same)
	b.SealBlock(same)
	b.SwitchToBlock(same)
}

// callBuiltin calls runtime routine r with the context and args; results
// are the routine's result types. Memory may have grown afterwards, except
// after the routines that never grow it.
func (t *translator) callBuiltin(r abi.Builtin, results []ssa.Type, args ...ssa.Value) []ssa.Value {
	params := []ssa.Type{ssa.I64}
	for _, a := range args {
		params = append(params, t.f.ValueType(a))
	}
	sig := t.f.AddSig(ssa.Signature{Params: params, Results: results})
	res := t.b.Call(ssa.FuncRef(abi.BuiltinCallee+uint32(r)), sig, append([]ssa.Value{t.ctx}, args...)...)
	switch r {
	case abi.BuiltinPoll, abi.BuiltinPollTick, abi.BuiltinPollEpoch, abi.BuiltinPollPreempt, abi.BuiltinMemoryCopy, abi.BuiltinMemoryFill, abi.BuiltinDataDrop,
		abi.BuiltinFuncSubtype:
	default:
		t.afterCall()
	}
	return res
}

// poll decrements the poll counter and exits to the runtime when it goes
// negative, at function entry and at every loop header: one builtin call
// whose whole meaning is that (abi.BuiltinPollTick), so the back end can
// make it one read-modify-write and a branch to out-of-line code. With
// Env.EpochPolls it compares the epoch instead (abi.BuiltinPollEpoch).
func (t *translator) poll() {
	t.polls.mayRunLong = true // a loop
	t.callBuiltin(t.pollBuiltin(), nil)
	t.sincePoll = pollCount{}
}

// pollBuiltin is the builtin of this function's polls.
func (t *translator) pollBuiltin() abi.Builtin {
	if t.env != nil && t.env.EpochPolls {
		return abi.BuiltinPollEpoch
	}
	return abi.BuiltinPollTick
}

// pollState tracks whether the function's entry poll is needed.
type pollState struct {
	entry *ssa.Inst // the entry's poll call
	// mayRunLong: the function loops or calls. One that does neither runs
	// a bounded number of instructions, and its callers poll; its entry
	// poll is dropped (finishPolls).
	mayRunLong bool
	// callOutsideLoop: some call is not inside a loop. When every call is
	// (each then follows a loop-header poll on every path from the entry)
	// and every back edge meets a header poll, the entry poll is
	// redundant: one poll per call-chain step and per iteration still
	// holds, and the code before the first header poll is bounded.
	callOutsideLoop bool
	// longStretch: the function polls on a straight-line stretch or
	// returns after more than callStretch (stretch.go). If it neither
	// loops nor calls, it keeps its entry poll: its callers count it as
	// callStretch.
	longStretch bool
}

// entryPoll is the poll at function entry.
func (t *translator) entryPoll() {
	t.callBuiltin(t.pollBuiltin(), nil)
	if blk := t.b.CurrentBlock(); blk != nil && len(blk.Insts) > 0 {
		t.polls.entry = blk.Insts[len(blk.Insts)-1]
	}
}

// finishPolls drops the entry poll of a function that neither loops nor
// calls, or whose every call lies inside a loop (pollState), once the
// whole body is translated.
func (t *translator) finishPolls() {
	if (t.polls.mayRunLong && t.polls.callOutsideLoop) || (t.polls.longStretch && !t.polls.mayRunLong) || t.polls.entry == nil || (t.env != nil && t.env.PollEveryEntry) {
		return
	}
	entry := t.f.Entry()
	for i, in := range entry.Insts {
		if in == t.polls.entry {
			entry.Insts = append(entry.Insts[:i], entry.Insts[i+1:]...)
			return
		}
	}
}
