package moat

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/engine"
	"github.com/moat-run/moat/internal/hostlib"
	"github.com/moat-run/moat/internal/vm"
)

// Store is one sandbox: the instances that link together, the host
// functions bound for them, and the memories, tables and globals they use.
// Function references are store-relative, so nothing crosses stores: a
// server makes a Store per request or tenant and closes or drops it when
// done.
//
// A store runs one call at a time. Calling into it (Func.Call,
// instantiating, closing, and the methods of its functions, memories,
// tables and globals that change it or resolve references) while another
// goroutine has a call running in it — guest code or a host function that
// code called — fails at once with ErrStoreBusy instead of waiting or
// corrupting anything. A host function may call back into its own store on
// its own goroutine (through its Caller or a Func it holds); such calls nest
// as wasm calls do. A call that returns ends the store's use, so goroutines
// may take turns. Different stores run in parallel.
//
// What stays the embedder's duty:
//   - A slice from Memory.Bytes or Memory.Read is a view of the guest's
//     memory, not a copy. It is valid until the memory grows (the guest's
//     memory.grow or Memory.Grow) or its instance or store is closed, and
//     only while the Memory (or its instance) stays reachable: the
//     compiler keeps linear memory outside the Go heap, so the slice alone
//     does not keep it alive. Copy what must outlive that.
//   - The accessors of guest data (a Memory's contents and size,
//     Global.Get, Table.Size) look at the store under its mark too, as
//     the store may be closing: from another goroutine while a call runs
//     they read as empty (nil, 0). A host function reads them in its own
//     call, which nests. A slice from Memory.Bytes or Memory.Read that
//     is written or read while a call runs on another goroutine is a
//     data race with the guest, as it would be for any memory shared
//     between goroutines.
//   - A Caller is for use during its host call only; afterwards it
//     answers nil (see Caller). Keep the externs it returns instead.
//
// SetValue and Value may be used from any goroutine.
//
// A closed store's state serves the engine's next store (NewStore), so
// that a server making a store per request allocates none: a *Store is a
// handle, and it and everything the store handed out (instances,
// functions, memories, tables, globals, funcref words) are refused with
// ErrClosed, or read as empty, once the store is closed, whichever store
// uses the state next.
type Store struct {
	storeRef
	// first is room for the handle of the first instance made through
	// this handle, so that it lives where the store's handle does (on the
	// caller's stack when it keeps it there); it is in use once its state
	// is set.
	first Instance
}

// instanceRoom is where the handle of an instance being made goes.
func (s *Store) instanceRoom() *Instance {
	if s.first.state == nil {
		return &s.first
	}
	return new(Instance)
}

// failed empties room, where an instantiation that failed may have
// written the handle it did not return.
func (s *Store) failed(room *Instance) {
	if room == &s.first {
		s.first = Instance{}
	}
}

// storeRef is a handle's view of a store: its state and the generation the
// state had when the handle was made. A closed store's state is recycled
// for a later store of its engine (NewStore), with the generation moved
// on, so that a handle kept past Close is refused (storeRef.enter,
// storeRef.live) rather than reaching the next store's instances.
type storeRef struct {
	*storeState
	gen uint64
}

// storeState is a store's state, recycled from one store to the next of
// its engine once closed (Engine.takeStore).
type storeState struct {
	engine *Engine
	vs     *vm.Store
	// gen is the state's generation: it moves on when the store is closed.
	gen atomic.Uint64

	// owner is the mark (store_use.go): the goroutine with a call
	// running in the store (goroutineMark), or, when none has, the
	// state's generation (freeMark); storeData.depth counts that
	// goroutine's nested entries. Only the owner touches depth (see
	// enter).
	owner atomic.Uintptr

	// values holds per-store state of host libraries (SetValue, Value),
	// copied on write so that readers take no lock.
	values   atomic.Pointer[storeValues]
	valuesMu sync.Mutex
	// pins counts the handles looking at the state without its mark
	// (storeRef.pin): Close recycles nothing while one does.
	pins atomic.Int32

	// rare is what few stores use, made by the first store of the state
	// that uses any of it and kept (storeRare).
	rare *storeRare

	storeData
}

// storeRare is the part of a store's state that few stores use, made on
// first use (storeState.rareState) and kept with the state, so that a
// store that uses none of it holds one word for it and one that does
// allocates it once per state, not once per store.
type storeRare struct {
	// deeperWords are callWords' buffers for larger or nested calls, per
	// depth: kept, emptied, when the state is recycled, so that a server
	// whose calls take more than four words allocates none per store.
	deeperWords [][]uint64
	// limits are the store's limits once SetLimits set some
	// (storeData.limited), kept as room for the next store's.
	limits StoreLimits
	// callers caches the Caller handed to host functions per calling
	// instance once a second instance takes one (storeState.caller);
	// nil in a new store.
	callers map[*vm.Instance]*Caller
	// instances lists the state of every instance of a store of more
	// than one, for Close (addInstance): its storage is kept, emptied, for
	// the state's next store.
	instances []*instanceState
}

// addInstance lists the state of an instance among the store's
// instances, for Close.
func (s *storeState) addInstance(both *instanceState) {
	if s.firstInstance[0] == nil {
		s.firstInstance[0] = both
		return
	}
	r := s.rareState()
	if len(r.instances) == 0 {
		r.instances = append(r.instances, s.firstInstance[0])
	}
	r.instances = append(r.instances, both)
}

// stateOf is the state of inst, an instance of the store, or nil.
func (s *storeState) stateOf(inst *vm.Instance) *instanceState {
	for _, both := range s.instanceList() {
		if &both.inst == inst {
			return both
		}
	}
	return nil
}

// instanceList returns the states of every instance made in the store,
// first made first.
func (s *storeState) instanceList() []*instanceState {
	if r := s.rare; r != nil && len(r.instances) > 0 {
		return r.instances
	}
	if s.firstInstance[0] == nil {
		return nil
	}
	return s.firstInstance[:]
}

// forgetInstances empties the store's list of instances (Close), keeping
// its storage.
func (s *storeState) forgetInstances() {
	s.firstInstance[0] = nil
	if r := s.rare; r != nil {
		clear(r.instances)
		r.instances = r.instances[:0]
	}
}

// rareState returns s.rare, made on first use.
func (s *storeState) rareState() *storeRare {
	if s.rare == nil {
		s.rare = new(storeRare)
	}
	return s.rare
}

// callerMap returns the store's map of Callers, nil until made
// (storeState.caller).
func (s *storeState) callerMap() map[*vm.Instance]*Caller {
	if s.rare == nil {
		return nil
	}
	return s.rare.callers
}

// storeData is what a store holds that starts from zero in every store
// (storeState.recycle).
type storeData struct {
	// refTag is the store's generation in place in a funcref word
	// (refcheck.go).
	refTag uint64

	closed bool
	// limited: SetLimits set the store's limits (in limitsRoom).
	limited bool
	// counts is what the store holds, against limits (beside closed, in
	// what would be its padding).
	counts storeCounts
	// ran: a call ran in the store (wasm or host, a start function
	// included), so every memory it holds may have been written; a
	// memory of a store that ran none goes back to its slot with no
	// reset unless vm.Memory.Written says otherwise (freeMemory).
	ran bool
	// depth counts the owner's nested entries (beside ran, in what would
	// be its padding): 0 whenever the state is recycled, as no call runs.
	depth int32
	// lib is the state of this module's host library in the store (WASI's
	// system: SetValue with hostlib.StateKey), handed to its functions at
	// each call.
	lib any
	// lastCaller is the Caller used last, which saves the map lookup
	// (storeRare.callers) on a run of host calls from one instance, and
	// the map itself while only one instance took a Caller
	// (storeState.caller).
	lastCaller *Caller
	// firstInstance is the state of the store's first instance, the only
	// one of most stores; a store of more lists them all in
	// storeRare.instances (storeState.instanceList).
	firstInstance [1]*instanceState

	// firstWords is callWords' buffer for the outermost call of up to
	// four words (deeperWords, beside the state, has the others).
	firstWords [4]uint64
}

// NewStore makes an empty store for modules of engine e. The store's state
// is a closed store's, recycled, when the engine has one: the handle
// itself is small, and stays on the caller's stack when the caller keeps
// it there.
func NewStore(e *Engine) *Store {
	st := e.takeStore()
	return &Store{storeRef: storeRef{st, st.gen.Load()}}
}

// ref is a handle to the state's current store.
func (s *storeState) ref() storeRef { return storeRef{s, s.gen.Load()} }

// live reports whether r's store is still the state's (not closed). Only
// what reads no more than the handle and atomics (Store.Value, a Caller's
// check, Func.Call's early refusal) uses it alone; whatever looks at the
// state goes through enter, which checks the generation and takes the
// mark in one step.
func (r storeRef) live() bool { return r.storeState != nil && r.storeState.gen.Load() == r.gen }

// Engine returns the store's engine.
func (s *Store) Engine() *Engine { return s.engine }

// Instantiate instantiates a module that has no imports.
func (s *Store) Instantiate(ctx context.Context, m *Module) (*Instance, error) {
	return (*Linker)(nil).Instantiate(ctx, s, m)
}

// SetValue attaches a value to the store under key, the way a
// context.Context carries values: host libraries keep their per-sandbox
// state here (WASI keeps its file table, for example) and find it again
// through Caller.Store. Use an unexported key type to avoid collisions.
func (s *Store) SetValue(key, value any) {
	if _, ok := key.(hostlib.StateKey); ok {
		s.setLibState(value)
		return
	}
	s.valuesMu.Lock()
	defer s.valuesMu.Unlock()
	if !s.live() {
		return // a closed store's: its state may serve another store now
	}
	next := &storeValues{}
	if old := s.values.Load(); old != nil {
		*next = *old
	}
	if !next.set || next.key == key {
		next.key, next.value, next.set = key, value, true
	} else {
		more := make(map[any]any, len(next.more)+1)
		for k, v := range next.more {
			more[k] = v
		}
		more[key] = value
		next.more = more
	}
	s.values.Store(next)
}

// storeValues is what SetValue set: the first key's value apart (most
// stores hold one, WASI's), the others in a map.
type storeValues struct {
	key, value any
	set        bool // key is set
	more       map[any]any
}

// Value returns the value SetValue attached under key, or nil.
func (s *Store) Value(key any) any { return s.storeRef.value(key) }

func (r storeRef) value(key any) any {
	v := r.values.Load()
	switch {
	case v == nil || !r.live():
		// Checked after the load: a recycled state's values are reset
		// after its generation moved on.
		return nil
	case v.set && v.key == key:
		return v.value
	}
	return v.more[key]
}

// Close ends the store: it closes every instance in it (see
// Instance.Close) and gives their memories back now (unmapped, or their
// slots returned to the engine's pool) rather than when the store becomes
// garbage, and makes every later call or instantiation fail with
// ErrClosed. A store holds no native stack between calls: each call
// borrows one from the engine. It fails
// with ErrStoreBusy while a call runs in the store, on another goroutine or
// — from a host function — on this one; a second Close returns ErrClosed,
// as does every use of the store or of what it handed out (instances,
// functions, memories...) once closed.
func (s *Store) Close() error {
	st := s.storeState
	if err := s.close(); err != nil {
		return err
	}
	st.engine.recycleStore(st)
	return nil
}

// close closes the store and moves its state's generation on; the state
// may then serve another store.
func (r storeRef) close() error {
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	s := r.storeState
	if s.depth > 1 {
		return errCloseInCall
	}
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	instances := s.instanceList()
	for _, both := range instances {
		s.closeInstance(&both.inst, true)
	}
	if s.rare != nil {
		s.rare.callers = nil
	}
	s.lastCaller = nil
	err := s.vs.Release()
	s.gen.Add(1)
	// After the generation moved on, a handle that pins the state sees
	// it and leaves; one that pinned it before is seen here.
	if err == nil && s.pins.Load() == 0 {
		s.recycleInstances(instances)
	}
	s.forgetInstances()
	s.closeLib()
	return err
}

func (s *storeState) isClosed(inst *vm.Instance) bool {
	return s.closed || (inst != nil && inst.Closed)
}

// closeInstance empties the memories inst defines and forgets its Caller.
// A memory goes back (its mapping unmapped or its slot returned) at once
// when storeClosed, or when no other instance imported it; otherwise it is
// only emptied, and goes back with the store.
func (s *storeState) closeInstance(inst *vm.Instance, storeClosed bool) {
	inst.Closed = true
	s.counts.instances--
	s.counts.memories -= int32(len(inst.Module.Memories))
	s.counts.tables -= int32(len(inst.Module.Tables))
	// The instance's code may still be called by the store's other
	// instances: it must reach none of the memories before they go back.
	cut := true
	if c, ok := inst.Engine.(engine.InstanceCloser); ok && !storeClosed {
		cut = c.CloseInstance() == nil
	}
	for _, m := range inst.Memories[inst.Module.NumImportedMemories:] {
		if storeClosed || (!m.Imported && cut) {
			s.freeMemory(m)
		} else {
			m.Release()
		}
	}
	if c := s.callerMap()[inst]; c != nil {
		c.inst, c.mem = nil, nil
		delete(s.rare.callers, inst)
	}
	if c := s.lastCaller; c != nil && c.inst == inst {
		// Not in the map when it is the store's only Caller.
		c.inst, c.mem = nil, nil
	}
	if s.lastCaller != nil && s.lastCaller.inst == nil {
		s.lastCaller = nil
	}
}

// freeMemory frees m, one of the store's memories, at once. While no call
// has run in the store, nothing but what m.Written records can have
// written m's bytes: the store's code never ran, and the embedder reaches
// them only through Memory, which marks them. Its slot then skips its
// reset (an add instantiated and closed costs no look at its pages).
func (s *storeState) freeMemory(m *vm.Memory) {
	if s.ran {
		m.Free()
		return
	}
	m.FreeUnwritten()
}

// callWords is the store's buffer of n words for the call entered at the
// current depth. The engines' call paths go through interfaces and func
// values, so escape analysis must assume they keep the words they are
// given: a caller's own stack would escape to the heap at every call.
// CallWithStack copies it into this buffer instead, which no call keeps
// past its return; a nested call (a host function calling back) has its
// own depth and buffer.
func (s *storeState) callWords(n int) []uint64 {
	if s.depth == 1 && n <= len(s.firstWords) {
		return s.firstWords[:n]
	}
	d := int(s.depth) - 1
	deeper := &s.rareState().deeperWords // made by the state's first such call
	for len(*deeper) <= d {
		*deeper = append(*deeper, nil)
	}
	if cap((*deeper)[d]) < n {
		(*deeper)[d] = make([]uint64, max(n, 8))
	}
	return (*deeper)[d][:n]
}

// call runs f (wasm or host) with stack holding its parameters. The store
// must be entered. An uncaught exception comes back as an *Exception,
// anything else abnormal as a *Trap.
func (s *storeState) call(ctx context.Context, f *vm.Function, stack []uint64) error {
	s.ran = true
	var err error
	if f.Host != nil {
		err = f.Host(ctx, s.vs, f, nil, stack)
		if _, ok := err.(*vm.Trap); !ok && err != nil && vm.AsException(err) == nil {
			// The host function is the only frame, as in the engines'
			// backtraces of a host error.
			err = &vm.Trap{Code: abi.TrapHostError, Cause: err, Frames: []vm.Frame{{Func: f, Offset: -1}}}
		}
	} else {
		err = f.Instance.Exec().Call(ctx, f, stack)
	}
	if exn := vm.AsException(err); exn != nil {
		// The host may keep the exception: its payload's references are
		// rooted like any other word handed out.
		for _, w := range exn.Payload {
			if s.vs.HasGC() && s.vs.GC().IsLive(w) {
				s.vs.RootForHost(w)
			}
		}
		return &Exception{store: s.ref(), exn: exn}
	}
	return trapOf(err)
}
