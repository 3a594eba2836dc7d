package interp

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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
//
// A frame holds no Go pointer, so the collector never scans the frame
// stack, however deep the recursion: with a *boundFunc per frame, every
// collection marked 1.5 MiB per guest 50,000 calls deep. The caller is
// its index in its instance's bound functions; its instance is the
// callee's unless cross is set, when it is the innermost entry of
// machine.callerStates (calls between instances are rare, and that stack
// is only as deep as there were such calls).
type frame struct {
	fn    uint32 // the caller's index in its instance's bound
	cross bool   // the caller's instance is on machine.callerStates
	pc    int
	fp    int
}

// machine is the state of one call into the engine: one value stack and one
// frame stack. A host function that calls back into wasm gets a new machine
// (so the slice it was handed never moves), which inherits the call depth
// and the stack bytes used below it.
//
// Stack accounting: the frames of a machine use, in slots, the value stack
// up to the end of the innermost frame plus frameOverheadSlots per frame
// (callers and the current one); that, plus the bytes charged below the
// machine, may not pass Config.MaxStackBytes. Both slices stay within a
// small multiple of the limit however deep the recursion.
type machine struct {
	exec   *executor
	stack  []uint64
	frames []frame
	// callerStates are the instances of the frames marked cross,
	// innermost last.
	callerStates []*instState
	maxFrames    int // callers allowed on frames before the depth limit
	maxSlots     int // slots this machine may charge before the stack limit
	below        int // bytes charged by the machines below (Store.HostStackBytes)
	// intr is the interrupt word of the machine's current call: the
	// call's number times two, plus interruptBit once its context is
	// done. The context's callback sets the bit by a compare-and-swap on
	// its own call's number, so one that runs late, after its call
	// ended, leaves the machine's next call alone: the machine goes back
	// to the pool after a cancelled call too, and the next call does not
	// allocate its stacks again (a guest 50,000 calls deep allocated
	// 3.5 MB, and waited in the collector's mark assists for it).
	intr  atomic.Uint64
	calls uint64 // calls started on the machine: the number in intr
	ctx   context.Context
	meter vm.Meter // polls granted from the store's fuel (poll.go)
	pacer vm.Pacer

	// Set when run returns a trap.
	trapFn  *boundFunc
	trapPC  int
	hostErr error // a host call's error, or an exception leaving the engine
	hostFn  *vm.Function
	exn     *vm.Exception // the exception being unwound
	// exnOwned: exn was made by a throw of this machine and nothing but
	// the unwinding holds it, so a catch that takes no reference may
	// keep it as spareExn, which the next throw fills instead of
	// allocating (exec_exceptions.go).
	exnOwned bool
	spareExn *vm.Exception

	// top is the end of the live slots of stack, for ScanRoots: set
	// before anything that may collect (an allocation, a host call).
	top int
}

// interruptBit is set in machine.intr when the call is interrupted.
const interruptBit = 1

// maxPooledStack and maxPooledFrames keep the huge slices of a deep
// recursion out of the pool (and out of every later release's clear).
const (
	maxPooledStack  = 1 << 20
	maxPooledFrames = 1 << 16
)

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
		if err := f.Host(ctx, f.Store(), f, nil, stack); err != nil {
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
	store := f.Instance.Store
	depth, below := int(store.HostCallDepth), int(store.HostStackBytes)
	fc := bf.code
	limit := e.cfg.MaxStackBytes
	if l := int(store.MaxStackBytes); l > 0 && l < limit {
		limit = l
	}
	maxSlots := (limit - below) / 8
	if depth >= e.cfg.MaxCallDepth || fc.frameSize+frameOverheadSlots > maxSlots {
		return &vm.Trap{Code: abi.TrapStackExhausted, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}
	if ctx.Err() != nil {
		return &vm.Trap{Code: abi.TrapInterrupted, Cause: ctx.Err(), Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}
	deadline := store.Deadline()
	if d := deadline; !d.IsZero() && !time.Now().Before(d) {
		return &vm.Trap{Code: abi.TrapInterrupted, Cause: context.DeadlineExceeded, Frames: []vm.Frame{{Func: f, Offset: -1}}}
	}

	m := e.pool.Get().(*machine)
	// Long work of the store's GC heap paces itself like a bulk operation
	// and stops when ctx does.
	outer := store.EnterRun(vm.Run{Ctx: ctx, Check: m})
	defer store.LeaveRun(outer)
	m.ctx = ctx
	m.meter.Attach(&f.Instance.Store.Fuel)
	m.pacer.Begin(ctx)
	m.pacer.Until(deadline)
	if store.Lane != nil {
		m.pacer.UseLanes(store.Lane)
	}
	m.maxFrames = e.cfg.MaxCallDepth - depth - 1
	m.maxSlots, m.below = maxSlots, below
	m.frames = m.frames[:0]
	m.callerStates = m.callerStates[:0]
	m.calls++
	word := m.calls << 1
	m.intr.Store(word)
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { m.intr.CompareAndSwap(word, word|interruptBit) })
	}
	reuse := true
	defer func() {
		if stop != nil {
			stop()
		}
		if reuse {
			e.release(m)
		}
	}()
	defer func() {
		// A host call below that did not return (a panic, or
		// runtime.Goexit in a host function) skipped restoring the depth
		// count; every other way out leaves it at depth already.
		store.HostCallDepth, store.HostStackBytes = int32(depth), int32(below)
		m.pacer.End() // before m goes back to the pool
		if depth == 0 {
			store.Lane.End() // the outermost call
		}
		// A panic here is an engine bug (or a host function's); never let it
		// take the host down.
		if r := recover(); r != nil {
			reuse = false
			err = fmt.Errorf("interp: internal error in %s: %v", f.DebugName(), r)
		}
	}()

	if fc.frameSize > len(m.stack) {
		m.stack = make([]uint64, max(min(initialStackSlots, maxSlots), fc.frameSize))
	}
	copy(m.stack, stack[:fc.paramSlots])
	// While it runs, the machine's stack holds roots of the store's heap.
	vs := f.Instance.Store
	m.top = 0
	vs.PushStack(m)
	defer func() {
		vs.PopStack()
		if vs.HasGC() && len(m.stack) <= maxPooledStack {
			// The scan is conservative and a frame clears only its
			// locals: slots this call wrote would be roots for the next
			// call on this machine, keeping its garbage alive.
			clear(m.stack)
		}
	}()
	if tc := m.run(bf); tc != abi.TrapNone {
		return m.trap(tc)
	}
	copy(stack, m.stack[:fc.resultSlots])
	return nil
}

func (e *executor) release(m *machine) {
	m.ctx, m.trapFn, m.hostErr, m.hostFn, m.exn = nil, nil, nil, nil, nil
	if m.spareExn != nil {
		m.spareExn.Tag = nil // a pooled machine keeps no instance's tag alive
	}
	m.meter = vm.Meter{} // holds the store's fuel
	if cap(m.frames) > maxPooledFrames {
		m.frames = nil // frames hold no pointers: nothing to clear
	}
	clear(m.callerStates[:cap(m.callerStates)]) // no pooled machine keeps an instance alive
	m.callerStates = m.callerStates[:0]
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

// fits reports whether frames whose value stack ends at slot top, with
// nframes frames on this machine (callers and the innermost), stay within
// the stack limit.
func (m *machine) fits(top, nframes int) bool {
	return top+nframes*frameOverheadSlots <= m.maxSlots
}

// grow makes the value stack at least need slots long, need having passed
// fits. It doubles, but never past what the limit lets this machine use.
func (m *machine) grow(need int) {
	n := max(min(2*len(m.stack), m.maxSlots), need)
	s := make([]uint64, n)
	copy(s, m.stack)
	m.stack = s
}

// growFrames makes room for another caller on m.frames. It doubles the
// capacity (append grows large slices by a quarter, which would allocate
// five times the final list on the way), up to the most callers the limits
// allow.
func (m *machine) growFrames() {
	most := min(m.maxFrames, m.maxSlots/frameOverheadSlots)
	n := max(min(2*cap(m.frames), most), 64, len(m.frames)+1)
	fr := make([]frame, len(m.frames), n)
	copy(fr, m.frames)
	m.frames = fr
}

// popFrame resumes the innermost caller, whose callee ran in st: it
// returns the caller and where it resumes. m.frames is not empty.
func (m *machine) popFrame(st *instState) (bf *boundFunc, pc, fp int) {
	n := len(m.frames) - 1
	fr := &m.frames[n]
	if fr.cross {
		st = m.popCallerState()
	}
	m.frames = m.frames[:n]
	return st.bound[fr.fn], fr.pc, fr.fp
}

// popCallerState takes the innermost instance off callerStates.
func (m *machine) popCallerState() *instState {
	k := len(m.callerStates) - 1
	st := m.callerStates[k]
	m.callerStates[k] = nil
	m.callerStates = m.callerStates[:k]
	return st
}

// tailCallInto records that the current function, of st, hands its frame
// to a callee of calleeSt: a caller of st that was not marked cross must
// now be, as its instance is no longer its callee's.
func (m *machine) tailCallInto(st, calleeSt *instState) {
	n := len(m.frames) - 1
	if calleeSt == st || n < 0 || m.frames[n].cross {
		return
	}
	m.frames[n].cross = true
	m.callerStates = append(m.callerStates, st)
}

// callOther calls a function that is not wasm code of this engine (a host
// function, or another engine's), with its arguments at slot base.
func (m *machine) callOther(caller *instState, f *vm.Function, base int) abi.TrapCode {
	if m.intr.Load()&interruptBit != 0 {
		return abi.TrapInterrupted
	}
	ft := f.Type
	n := max(ft.ParamSlots(), ft.ResultSlots())
	top, nframes := base+n, len(m.frames)+1
	if !m.fits(top, nframes) {
		return abi.TrapStackExhausted
	}
	if top > len(m.stack) {
		m.grow(top)
	}
	args := m.stack[base:top:top]
	m.top = top
	store := caller.inst.Store
	outer, outerBytes := store.HostCallDepth, store.HostStackBytes
	store.HostCallDepth = int32(m.depth())
	store.HostStackBytes = int32(m.below + 8*(top+nframes*frameOverheadSlots))
	var err error
	m.pacer.EnterHost()
	switch {
	case f.Host != nil:
		err = f.Host(m.ctx, caller.inst.Store, f, caller.inst, args)
	case f.Instance != nil && f.Instance.Exec() != nil:
		err = f.Instance.Exec().Call(m.ctx, f, args)
	default:
		err = fmt.Errorf("interp: function %s cannot be called", f.DebugName())
	}
	m.pacer.LeaveHost()
	store.HostCallDepth, store.HostStackBytes = outer, outerBytes
	if err != nil {
		m.hostErr, m.hostFn = err, f
		return abi.TrapHostError
	}
	return abi.TrapNone
}
