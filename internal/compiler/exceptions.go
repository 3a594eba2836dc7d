package compiler

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Exceptions on native frames. A throw (an exit) or a host call that
// returns an exception hands it to unwind, which walks the run's frames
// by their frame pointers, as backtraces do, innermost first: each return
// address that is a try_call's (the landing table) names the innermost
// handler around the call, whose catch clauses, and then its parents',
// are tried in order. The first that matches decides: the function is
// resumed at the call's landing with its frame's stack pointer, the
// frames below dropped, and the context says which clause caught what
// (abi.CtxCaught, CtxExnPayload, CtxExnRef). An exception that nothing on
// this run's frames catches ends the run; whoever called the run (a host
// call of an outer run, or the embedder) unwinds further.
//
// Every frame between the throw and the handler belongs to this instance:
// a call into another instance or a host function is a run of its own.

// throwBuiltin makes the exception of BuiltinThrow (args: the payload's
// address and words, the tag index) or finds the one of BuiltinThrowRef.
// The error is what unwinding starts from: the exception, or a trap. A
// throw fills the spare exception when there is one: an exception this
// instance threw and a clause without a reference caught in the same run
// is held by nothing once the clause's code has read its payload (which
// it does first), and a guest that throws and catches in a loop then
// allocates nothing, where each allocation would bring the Go collector's
// next cycle closer (the interpreter does the same).
func (st *instance) throwBuiltin(b abi.Builtin, e *vm.Exit) error {
	if b == abi.BuiltinThrowRef {
		exn := st.inst.Store.Exn(e.Args[0])
		if exn == nil {
			return st.trap(abi.TrapNullExceptionReference, e)
		}
		return exn
	}
	tag := e.Args[1]
	if tag >= uint64(len(st.inst.Tags())) {
		return st.trap(abi.TrapUnreachable, e)
	}
	t := st.inst.Tags()[tag]
	words := st.refs().stack.Words(uintptr(e.Args[0]), e.Args[2])
	if words == nil || len(words) != t.Type.ParamSlots() {
		return st.trap(abi.TrapUnreachable, e)
	}
	x := st.exceptions()
	exn := x.spare
	x.spare = nil
	if exn == nil || cap(exn.Payload) < len(words) {
		exn = &vm.Exception{Payload: make([]uint64, len(words))}
	}
	exn.Tag, exn.Payload = t, exn.Payload[:len(words)]
	copy(exn.Payload, words)
	x.thrown = exn
	return exn
}

// unwind is the vm.Runner's Unwind: the handler on this run's frames that
// catches exn, from exit e outwards.
func (st *instance) unwind(exn *vm.Exception, e *vm.Exit) (vm.Exit, bool, error) {
	mc, ns := st.mc, st.refs().stack
	if ns == nil || mc.code == nil {
		return vm.Exit{}, false, nil
	}
	base := mc.code.Addr()
	in := func(pc uintptr) bool { return pc >= base && pc < base+uintptr(mc.code.Size()) && mc.funcAt(pc) >= 0 }
	// The exit's own frame, when it is a function's (a throw): its landing
	// is the exit itself, resumed where it stopped.
	if in(e.PC) {
		if l, ok := mc.tables.landingAt(int(e.PC - base)); ok {
			if caught, err := st.catch(exn, l.handler); caught || err != nil {
				if !caught {
					st.released(exn)
				}
				return vm.Exit{PC: e.PC, SP: e.SP, BP: e.BP}, caught, err
			}
		}
	}
	// Then the callers, by frame pointer: [bp] is the caller's frame
	// pointer, [bp+8] the return address into it. The walk ends at the
	// first return address outside this module's functions (the run's
	// entry stub).
	bp := e.BP
	for range maxUnwindFrames {
		up, ok1 := ns.Word(bp)
		ret, ok2 := ns.Word(bp + 8)
		if !ok1 || !ok2 || !in(uintptr(ret)) || uintptr(up) <= bp {
			break
		}
		if l, ok := mc.tables.landingAt(int(uintptr(ret) - base)); ok {
			caught, err := st.catch(exn, l.handler)
			if err != nil {
				st.released(exn)
				return vm.Exit{}, false, err
			}
			if caught {
				fp := uintptr(up)
				return vm.Exit{PC: base + uintptr(l.offset), SP: fp + uintptr(int64(l.sp)), BP: fp}, true, nil
			}
		}
		bp = uintptr(up)
	}
	st.released(exn)
	return vm.Exit{}, false, nil
}

// released forgets that this instance threw exn, which leaves the run
// uncaught (the host, or an outer run, may hold it from now on) or was
// abandoned for a trap: it must never become the spare.
func (st *instance) released(exn *vm.Exception) {
	if st.exns != nil && exn == st.exns.thrown {
		st.exns.thrown = nil
	}
}

// maxUnwindFrames bounds the walk; the call-depth limit keeps real
// chains far shorter.
const maxUnwindFrames = 1 << 20

// catch tries the clauses of handler h and of the handlers around it, in
// the order the code's dispatch numbers them; when one catches exn it
// sets the context for the clause's code.
func (st *instance) catch(exn *vm.Exception, h int) (bool, error) {
	t := st.mc.tables
	k := 0
	for ; h != noParentHandler; h, _, _ = t.handlerAt(h) {
		_, first, n := t.handlerAt(h)
		for c := first; c < first+n; c++ {
			k++
			kind, tag := t.clauseAt(c)
			if kind.HasTag() && (tag >= uint32(len(st.inst.Tags())) || st.inst.Tags()[tag] != exn.Tag) {
				continue
			}
			return true, st.caughtBy(exn, kind, k)
		}
	}
	return false, nil
}

// caughtBy tells the handler's code that clause k (counted from 1)
// caught exn: the payload's address, and for the _ref clauses its exnref
// (registered in the store, like every exnref).
func (st *instance) caughtBy(exn *vm.Exception, kind wasm.CatchKind, k int) error {
	c := st.ctx
	c.Caught, c.ExnPayload, c.ExnRef = uint64(k), 0, 0
	// The payload stays alive, and in place (the Go heap does not move
	// objects), while the clause's code reads it.
	x := st.exceptions()
	x.caught = exn
	if exn == x.thrown {
		x.thrown = nil
		if kind != wasm.CatchRef && kind != wasm.CatchAllRef && !exn.HasRef() {
			x.spare = exn
		}
	}
	if len(exn.Payload) > 0 {
		c.ExnPayload = payloadAddr(exn.Payload)
	}
	if kind == wasm.CatchRef || kind == wasm.CatchAllRef {
		ref, err := st.inst.Store.ExnRef(exn)
		if err != nil {
			c.Caught = 0
			return &vm.Trap{Code: abi.TrapHostError, Cause: err}
		}
		c.ExnRef = ref
	}
	return nil
}
