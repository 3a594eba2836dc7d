package compiler

import (
	"context"
	"fmt"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// executor is the vm.Executor of every compiled instance.
type executor struct{}

// Call runs f with its parameters in stack and leaves the results there.
// A run that ends in a tail call out of its last frame (vm.ErrTailCall)
// has its callee made here, in a loop, so that tail calls between
// instances, and into host functions, take constant space.
func (executor) Call(ctx context.Context, f *vm.Function, stack []uint64) (err error) {
	if f == nil || f.Type == nil {
		return fmt.Errorf("compiler: call of a nil function")
	}
	ft := f.Type
	if need := max(ft.ParamSlots(), ft.ResultSlots()); len(stack) < need {
		return fmt.Errorf("compiler: stack has %d slots, %s needs %d", len(stack), ft, need)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if f.Host != nil {
		return f.Host(ctx, f.Store(), f, nil, stack)
	}
	buf := stack
	for {
		st, entry, ok := boundOf(f)
		if !ok {
			return fmt.Errorf("compiler: function %s is not bound to this engine", f.DebugName())
		}
		err = st.run(ctx, f, entry, buf)
		if err != vm.ErrTailCall {
			break
		}
		p := &st.refs().rare.pending // made by the exit that asked for the call
		f, p.f = p.f, nil
		if need := max(f.Type.ParamSlots(), ft.ResultSlots()); need > len(buf) {
			buf = make([]uint64, need)
		}
		copy(buf, p.args)
		if f.Host != nil {
			err = p.caller.Engine.(*instance).callHost(ctx, f, buf, nil)
			break
		}
	}
	if err == nil && len(buf) > 0 && &buf[0] != &stack[0] {
		copy(stack, buf[:ft.ResultSlots()])
	}
	return err
}

// run runs compiled function f of st, whose entry stub is at entry, with
// its parameters in stack.
func (st *instance) run(ctx context.Context, f *vm.Function, entry uintptr, stack []uint64) (err error) {
	// A call made from inside a host function continues the depth count
	// of the wasm frames below it (Store.HostCallDepth, shared with the
	// interpreter), so host↔wasm recursion is bounded too.
	maxDepth := st.mc.eng.cfg.MaxCallDepth
	depth := int(f.Instance.Store.HostCallDepth)
	if depth >= maxDepth {
		return &vm.Trap{Code: abi.TrapStackExhausted, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}
	ns, outermost, err := st.refs().borrowStack()
	if err != nil {
		return err
	}
	// A nested entry into this instance (through a host function) reuses
	// its context: give the caller's depth count back afterwards.
	saved := st.ctx.CallCount
	// Long work of the store's GC heap paces itself like a bulk operation
	// and stops when ctx does.
	outer := f.Instance.Store.EnterRun(vm.Run{Ctx: ctx, Check: st.ctx})
	defer func() {
		f.Instance.Store.LeaveRun(outer)
		if outermost {
			st.refs().returnStack()
			f.Instance.Store.Lane.End()
		}
		st.ctx.CallCount = saved
		if r := recover(); r != nil {
			err = fmt.Errorf("compiler: internal error in %s: %v", f.DebugName(), r)
		}
	}()
	st.ctx.SetCallDepth(maxDepth - depth)
	// The runner lives on this goroutine's stack for the run: an
	// instance keeps none between calls.
	runner := vm.Runner{
		PollInterval: st.mc.eng.cfg.PollInterval,
		EpochPolls:   st.mc.eng.epoch,
		SignalReach:  st.mc.eng.guard && vm.PreemptSignals(),
		StackBytes:   int(f.Instance.Store.MaxStackBytes),
		Lane:         f.Instance.Store.Lane,
		Deadline:     f.Instance.Store.Deadline(),
		Handler:      st,
	}
	st.refresh()
	err = runner.Run(ctx, st.ctx, ns, entry, stack)
	st.syncGC()
	if t, ok := err.(*vm.Trap); ok && t.Code == abi.TrapStackExhausted && outermost {
		// The outermost run filled the stack: nothing runs on it now, so
		// hand its pages back rather than keep the limit resident while
		// the stack waits in the engine's pool.
		_ = ns.Decommit()
	}
	if t, ok := err.(*vm.Trap); ok && len(t.Frames) == 0 && st.refs().passed != t && !t.RunEnded() {
		t.Frames = []vm.Frame{{Func: f, Offset: -1}}
	}
	return err
}

// pendingCall is a tail call out of a run's last frame, which the run's
// caller makes (executor.Call): the callee, the instance whose code made
// the call, and the arguments (copied off the native stack).
type pendingCall struct {
	f      *vm.Function
	caller *vm.Instance
	args   []uint64
}

// tailCall is the store's pending tail call, made on first use: few
// stores have one, and a recycled store keeps it (RecycleStore).
func (r *storeRefs) tailCall() *pendingCall { return &r.rareState().pending }

// hostCall serves a call through a descriptor of another instance or of a
// host function (the only host calls compiled code makes).
func (st *instance) hostCall(ctx context.Context, index uint32, stack []uint64) error {
	if index != abi.HostCallByDescriptor {
		return fmt.Errorf("compiler: host call of function %d by index", index)
	}
	st.syncGC()
	f := st.callee(st.ctx.ExitArgs[2])
	if f == nil {
		return fmt.Errorf("compiler: host call through unknown descriptor %#x", st.ctx.ExitArgs[2])
	}
	// The exit's resume point, for a backtrace: a nested run reuses the
	// context's exit fields.
	pc, sp, bp := st.ctx.ResumeAddr, st.ctx.ExitSP, st.ctx.ExitBP
	if st.lastFrame(bp) {
		// A tail call replaced the run's first frame with the host call
		// stub's: the run's caller makes the call (executor.Call).
		p := st.refs().tailCall()
		p.f, p.caller = f, st.inst
		p.args = append(p.args[:0], stack[:f.Type.ParamSlots()]...)
		return vm.ErrTailCall
	}
	store := st.inst.Store
	outer := store.HostCallDepth
	store.HostCallDepth = int32(st.mc.eng.cfg.MaxCallDepth - st.ctx.CallDepthLeft())
	defer func() {
		store.HostCallDepth = outer
		st.refresh()
	}()
	switch {
	case f.Host != nil:
		return st.callHost(ctx, f, stack, func() []vm.Frame { return st.frames(pc, sp, bp) })
	case f.Instance != nil && f.Instance.Exec() != nil:
		err := f.Instance.Exec().Call(ctx, f, stack)
		if t, ok := err.(*vm.Trap); ok && st.refs().passed != t && !t.RunEnded() {
			// Another instance's wasm frames continue into ours.
			appendFrames(t, st.frames(pc, sp, bp))
		}
		return err
	}
	return fmt.Errorf("compiler: function %s cannot be called", f.DebugName())
}

// callee is the function of descriptor address ref, which a call of st's
// code went through: usually one of the instance's imports (a linker's
// host function, shared by every store, or another instance's function),
// found among the import words of its function table; else any function
// of its store (a table's element).
func (st *instance) callee(ref uint64) *vm.Function {
	for i, w := range st.funcTable()[:st.inst.Module.NumImportedFuncs] {
		if w == ref {
			return st.inst.Funcs[i]
		}
	}
	return st.inst.Store.Func(ref)
}

// callHost calls host function f for code of st's instance. An exception
// it returns is thrown into the caller; a trap it returns is its own to
// report (callers add no frames, as in the interpreter); one that ends the
// run on purpose (vm.RunEnder) a host-error trap without frames; any other
// error becomes a host-error trap at f, followed by the caller's frames
// (when frames is set).
func (st *instance) callHost(ctx context.Context, f *vm.Function, stack []uint64, frames func() []vm.Frame) error {
	err := f.Host(ctx, st.inst.Store, f, st.inst, stack)
	if err == nil {
		return nil
	}
	if exn := vm.AsException(err); exn != nil {
		return exn // thrown into the caller (vm.Runner.Unwind)
	}
	if t, ok := err.(*vm.Trap); ok {
		st.refs().passed = t
		return t
	}
	if t, ok := vm.EndRun(err); ok {
		return t
	}
	t := &vm.Trap{Code: abi.TrapHostError, Cause: err, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	if frames != nil {
		appendFrames(t, frames())
	}
	return t
}

// lastFrame reports whether the host call stub whose frame pointer is bp
// returns to the run's entry stub: it replaced the run's first function by
// a tail call.
func (st *instance) lastFrame(bp uintptr) bool {
	ns := st.refs().stack
	if ns == nil {
		return false
	}
	ret, ok := ns.Word(bp + 8)
	return ok && st.mc.funcAt(uintptr(ret)) < 0
}

// exit serves memory.grow, table.grow and the builtins.
func (st *instance) exit(ctx context.Context, c *vm.Context, e *vm.Exit) error {
	st.syncGC()
	defer st.refresh()
	switch e.Code {
	case abi.ExitMemoryGrow:
		if int(e.Index) >= len(st.inst.Memories) {
			return fmt.Errorf("compiler: memory.grow of memory %d", e.Index)
		}
		// A delta past 2^32 pages (from a 64-bit memory) fails like any
		// other too large. The failure word is all ones: -1 as an i32
		// (the low half) and as an i64.
		delta := e.Args[0]
		e.Args[0] = ^uint64(0)
		if delta <= 1<<32-1 {
			if old, ok := st.inst.Memories[e.Index].Grow(uint32(delta)); ok {
				e.Args[0] = uint64(old)
			}
		}
		return nil
	case abi.ExitTableGrow:
		if int(e.Index) >= len(st.inst.Tables) {
			return fmt.Errorf("compiler: table.grow of table %d", e.Index)
		}
		delta := e.Args[0]
		e.Args[0] = ^uint64(0) // as for memory.grow
		if delta <= 1<<32-1 {
			if old, ok := st.inst.Tables[e.Index].Grow(uint32(delta), e.Args[1]); ok {
				e.Args[0] = uint64(old)
			}
		}
		return nil
	case abi.ExitBuiltin:
		check := func() abi.TrapCode { return c.Checkpoint(ctx) }
		switch b := abi.Builtin(e.Index); b {
		case abi.BuiltinThrow, abi.BuiltinThrowRef:
			return st.throwBuiltin(b, e)
		case abi.BuiltinFuncSubtype:
			return st.checkSubtype(e)
		}
		if tc := st.builtin(abi.Builtin(e.Index), &e.Args, check); tc != abi.TrapNone {
			t := st.trap(tc, e)
			if tc == abi.TrapInterrupted {
				t.Cause = vm.Interrupted(ctx).Cause
			}
			return t
		}
		return nil
	}
	return fmt.Errorf("compiler: unexpected exit %v", e.Code)
}
