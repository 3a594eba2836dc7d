package interp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// executor is the vm.Executor of every instance bound by one engine.
type executor struct {
	cfg  Config
	pool sync.Pool // of *machine
}

// frame is a suspended caller: its function, the instruction to resume at,
// and its frame base in the value stack.
type frame struct {
	fn *boundFunc
	pc int
	fp int
}

// machine is the state of one call into the engine: one value stack and one
// frame stack. A host function that calls back into wasm gets a new machine
// (so the slice it was handed never moves), which inherits the call depth.
type machine struct {
	exec      *executor
	stack     []uint64
	frames    []frame
	maxFrames int // callers allowed on frames before the depth limit
	intr      atomic.Uint32
	ctx       context.Context

	// Set when run returns a trap.
	trapFn  *boundFunc
	trapPC  int
	hostErr error // a host call's error, or an exception leaving the engine
	hostFn  *vm.Function
	exn     *vm.Exception // the exception being unwound

	// top is the end of the live slots of stack, for ScanRoots: set
	// before anything that may collect (an allocation, a host call).
	top int
}

// maxPooledStack keeps machines with huge stacks (after deep recursion) out of the pool.
const maxPooledStack = 1 << 20

// Call runs f with the parameters in stack and writes its results to stack[0:].
func (e *executor) Call(ctx context.Context, f *vm.Function, stack []uint64) (err error) {
	if f == nil || f.Type == nil {
		return fmt.Errorf("interp: call of a nil function")
	}
	ft := f.Type
	if need := max(ft.ParamSlots(), ft.ResultSlots()); len(stack) < need {
		return fmt.Errorf("interp: stack has %d slots, %s needs %d", len(stack), ft, need)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if f.Host != nil {
		if err := f.Host(ctx, nil, stack); err != nil {
			return hostTrap(err, f, nil)
		}
		return nil
	}
	bf, ok := f.Code.(*boundFunc)
	if !ok {
		return fmt.Errorf("interp: function %s is not bound to this engine", f.DebugName())
	}
	// A call made from inside a host function continues the depth count of
	// the wasm frames below it, so host↔wasm recursion is bounded too.
	depth := f.Instance.Store.HostCallDepth
	if depth >= e.cfg.MaxCallDepth {
		return &vm.Trap{Code: abi.TrapStackExhausted, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}
	if ctx.Err() != nil {
		return &vm.Trap{Code: abi.TrapInterrupted, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}

	m := e.pool.Get().(*machine)
	m.ctx = ctx
	m.maxFrames = e.cfg.MaxCallDepth - depth - 1
	m.frames = m.frames[:0]
	m.intr.Store(0)
	reuse := true
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { m.intr.Store(1) })
		defer func() {
			// If the callback already ran (or is running), it may still touch
			// m: never hand m to another call.
			if !stop() {
				reuse = false
			}
			if reuse {
				e.release(m)
			}
		}()
	} else {
		defer func() {
			if reuse {
				e.release(m)
			}
		}()
	}
	defer func() {
		// A host call below that did not return (a panic, or
		// runtime.Goexit in a host function) skipped restoring the depth
		// count; every other way out leaves it at depth already.
		f.Instance.Store.HostCallDepth = depth
		// A panic here is an engine bug (or a host function's); never let it
		// take the host down.
		if r := recover(); r != nil {
			reuse = false
			err = fmt.Errorf("interp: internal error in %s: %v", f.DebugName(), r)
		}
	}()

	fc := bf.code
	if fc.frameSize > len(m.stack) {
		if fc.frameSize > e.cfg.MaxStackSlots {
			return &vm.Trap{Code: abi.TrapStackExhausted, Frames: []vm.Frame{{Func: f, Offset: -1}}}
		}
		m.stack = make([]uint64, max(initialStackSlots, fc.frameSize))
	}
	copy(m.stack, stack[:fc.paramSlots])
	// While it runs, the machine's stack holds roots of the store's heap.
	vs := f.Instance.Store
	m.top = 0
	vs.PushStack(m)
	defer vs.PopStack()
	if tc := m.run(bf); tc != abi.TrapNone {
		return m.trap(tc)
	}
	copy(stack, m.stack[:fc.resultSlots])
	return nil
}

func (e *executor) release(m *machine) {
	m.ctx, m.trapFn, m.hostErr, m.hostFn, m.exn = nil, nil, nil, nil, nil
	clear(m.frames[:cap(m.frames)])
	if len(m.stack) > maxPooledStack {
		m.stack = nil
	}
	e.pool.Put(m)
}

// depth is the number of wasm frames live in m (callers plus the current
// one), plus those of the machines it was called from.
func (m *machine) depth() int {
	return m.exec.cfg.MaxCallDepth - m.maxFrames + len(m.frames)
}

// grow makes the value stack at least need slots long, or reports that the
// limit forbids it.
func (m *machine) grow(need int) bool {
	limit := m.exec.cfg.MaxStackSlots
	if need > limit {
		return false
	}
	n := min(max(2*len(m.stack), need), limit)
	s := make([]uint64, n)
	copy(s, m.stack)
	m.stack = s
	return true
}

// callOther calls a function that is not wasm code of this engine (a host
// function, or another engine's), with its arguments at slot base.
func (m *machine) callOther(caller *instState, f *vm.Function, base int) abi.TrapCode {
	if m.intr.Load() != 0 {
		return abi.TrapInterrupted
	}
	ft := f.Type
	n := max(ft.ParamSlots(), ft.ResultSlots())
	if base+n > len(m.stack) && !m.grow(base+n) {
		return abi.TrapStackExhausted
	}
	args := m.stack[base : base+n : base+n]
	m.top = base + n
	store := caller.inst.Store
	outer := store.HostCallDepth
	store.HostCallDepth = m.depth()
	var err error
	switch {
	case f.Host != nil:
		err = f.Host(m.ctx, caller.inst, args)
	case f.Instance != nil && f.Instance.Exec != nil:
		err = f.Instance.Exec.Call(m.ctx, f, args)
	default:
		err = fmt.Errorf("interp: function %s cannot be called", f.DebugName())
	}
	store.HostCallDepth = outer
	if err != nil {
		m.hostErr, m.hostFn = err, f
		return abi.TrapHostError
	}
	return abi.TrapNone
}
