package vm

import (
	"context"
	"time"
	"unsafe"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// The store's side of garbage collection: it owns the heap (gcheap) and
// knows the roots. Precise roots are the reference words of globals,
// tables and element segments whose types the collector follows, and the
// words held by the host (host roots, in scopes). The value stacks of
// running engines are scanned conservatively through StackScanners, and
// exception payloads too (their types may name another module's types).

// DefaultGCHeapLimit is a store's GC heap limit when none is set.
const DefaultGCHeapLimit = 1 << 30

// gcState is the part of a Store that garbage collection uses: what
// every store touches (the call running, the engines' stacks) in place,
// the roots that only modules with GC references or exceptions have in
// gcRoots, made on first use, so that a store of a module without them
// stays small (one per live sandbox).
type gcState struct {
	heap  *gcheap.Heap
	limit uint64
	// run is the innermost call running in the store (EnterRun): its
	// context, nil outside calls, and its engine's checkpoint.
	run    Run
	stacks []StackScanner
	roots  *gcRoots
}

// gcRoots is the store's roots beyond its running calls: made by the
// first global, table, instance, temporary, host word or exception that
// needs rooting.
type gcRoots struct {
	exns      []*Exception // exnrefs: exceptions caught by catch_ref or catch_all_ref
	globals   []*Global
	tables    []*Table
	instances []*Instance
	temps     []*[]uint64
	engines   []StackScanner
	hostRoots hostRoots
}

// moreRoots is the store's gcRoots, made on first use.
func (s *Store) moreRoots() *gcRoots {
	if s.gc.roots == nil {
		s.gc.roots = new(gcRoots)
	}
	return s.gc.roots
}

// StackScanner is an engine's call in progress whose value stack may hold
// references: it marks them (conservatively) when the store collects.
type StackScanner interface {
	ScanRoots(m *gcheap.Marker)
}

// SetGCLimit sets the most bytes the store's GC heap may use; it must be
// called before the heap is first used.
func (s *Store) SetGCLimit(n uint64) { s.gc.limit = n }

// GC returns the store's heap, making it on first use.
func (s *Store) GC() *gcheap.Heap {
	if s.gc.heap == nil {
		limit := s.gc.limit
		if limit == 0 {
			limit = DefaultGCHeapLimit
		}
		s.gc.heap = gcheap.New(limit)
		s.gc.heap.Roots = s.markRoots
		s.gc.heap.Yield = s.heapYield
	}
	return s.gc.heap
}

// heapYield is the heap's Yield, between the chunks of its long work (a
// large clear, pages given back after a collection: up to hundreds of
// milliseconds for a large heap): the checkpoint of the call running in
// the store, which yields the goroutine when the Go runtime asks or the
// call's time slice is over, as between the chunks of a bulk operation,
// and stops the work once the call has been interrupted, so that a
// cancellation need not wait for the rest. Outside calls it only lets the
// runtime in when it asks.
func (s *Store) heapYield() (stop bool) {
	r := s.gc.run
	switch {
	case r.Ctx == nil:
		yieldOnly()
		return false
	case r.Check != nil:
		return r.Check.Checkpoint(r.Ctx) != abi.TrapNone
	}
	yieldOnly()
	if r.Ctx.Err() != nil {
		return true
	}
	d, ok := r.Ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// Run is a call running in a store, as the store's GC heap sees it.
type Run struct {
	Ctx   context.Context
	Check RunChecker // nil: the heap only checks Ctx
}

// RunChecker is an engine's check between the chunks of a call's long
// work (Context.Checkpoint for compiled code): it yields when the runtime
// or the call's time slice asks, and reports TrapInterrupted once the call
// has been interrupted (its context is done or past its deadline).
type RunChecker interface {
	Checkpoint(ctx context.Context) abi.TrapCode
}

// EnterRun records r as the innermost call running in the store (the
// engines call it at every entry, nested ones included) and returns the
// one before, for LeaveRun at the call's end.
func (s *Store) EnterRun(r Run) (outer Run) {
	outer, s.gc.run = s.gc.run, r
	return outer
}

// LeaveRun ends the call that EnterRun began.
func (s *Store) LeaveRun(outer Run) { s.gc.run = outer }

// GCBase is the address of byte 0 of the store's heap for compiled code
// (abi.CtxGCBase), or 0 while no arena is reserved. On Linux the arena is
// one reservation of the heap's limit that never moves until Store.Close
// (after which no code of the store runs), so the address stays valid;
// the arena is outside the Go heap, so holding it as a uintptr hides
// nothing from the Go collector.
func (s *Store) GCBase() uintptr {
	if s.gc.heap == nil {
		return 0
	}
	if mem := s.gc.heap.Bytes(); len(mem) > 0 {
		return uintptr(unsafe.Pointer(&mem[0]))
	}
	return 0
}

// GCBump is the heap's current hole for compiled code (gcheap.Heap.Bump),
// or 0, 0 when the store has no heap.
func (s *Store) GCBump() (cursor, end uint64) {
	if s.gc.heap == nil {
		return 0, 0
	}
	return s.gc.heap.Bump()
}

// AdoptGCBump hands the cursor compiled code advanced back to the heap
// (gcheap.Heap.AdoptBump); nothing when the store has no heap.
func (s *Store) AdoptGCBump(cursor uint64) {
	if s.gc.heap != nil {
		s.gc.heap.AdoptBump(cursor)
	}
}

// GCDisplays is the address of the heap's display table for compiled
// casts (abi.CtxGCDisplays), or 0 before any type is registered. The
// heap holds the table until it is replaced by a larger one, which only
// a registration (in Go, never while the store's code runs) does; the
// runtime gives the code the new address before it resumes.
func (s *Store) GCDisplays() uintptr {
	if s.gc.heap == nil {
		return 0
	}
	if d := s.gc.heap.Displays(); len(d) > 0 {
		return uintptr(unsafe.Pointer(&d[0]))
	}
	return 0
}

// HasGC reports whether the store's heap has been made.
func (s *Store) HasGC() bool { return s.gc.heap != nil }

// TrackGlobal, TrackTable and TrackInstance make the references that a
// global, a table or an instance's element segments hold roots.
func (s *Store) TrackGlobal(g *Global) {
	if g.Type.Val.IsRef() && gcheap.IsGCRef(g.Module, g.Type.Val) {
		r := s.moreRoots()
		r.globals = append(r.globals, g)
	}
}

func (s *Store) TrackTable(t *Table) {
	if gcheap.IsGCRef(t.Module, t.Type.Elem) {
		r := s.moreRoots()
		r.tables = append(r.tables, t)
	}
}

// TrackInstance tracks only an instance whose module has element
// segments of references the collector follows: the others' segments
// hold no roots.
func (s *Store) TrackInstance(inst *Instance) {
	if hasGCElems(inst.Module) {
		r := s.moreRoots()
		r.instances = append(r.instances, inst)
	}
}

func hasGCElems(m *wasm.Module) bool {
	for i := range m.Elems {
		if gcheap.IsGCRef(m, m.Elems[i].Type) {
			return true
		}
	}
	return false
}

// UntrackInstance forgets an instance whose instantiation failed before
// anything could reach it.
func (s *Store) UntrackInstance(inst *Instance) {
	r := s.gc.roots
	if r == nil {
		return
	}
	for i, x := range r.instances {
		if x == inst {
			r.instances = append(r.instances[:i], r.instances[i+1:]...)
			return
		}
	}
}

// PushStack registers a call in progress whose stack holds roots;
// PopStack removes the latest.
func (s *Store) PushStack(sc StackScanner) { s.gc.stacks = append(s.gc.stacks, sc) }
func (s *Store) PopStack()                 { s.gc.stacks = s.gc.stacks[:len(s.gc.stacks)-1] }

// TrackEngineRoots makes sc's roots the store's for its life: an engine's
// calls in progress that it finds itself (the compiler's native stack,
// scanned conservatively through Stack.LiveWords).
// The codec's (the compiler's) is a flag (Store.codecRoots); any other's
// are in the roots' list.
func (s *Store) TrackEngineRoots(sc StackScanner) {
	if c, ok := s.codec.(StackScanner); ok && c == sc {
		s.codecRoots = true
		return
	}
	r := s.moreRoots()
	r.engines = append(r.engines, sc)
}

// CodecRootsTracked reports whether the codec's roots are the store's
// (TrackEngineRoots with the codec; until Reset or Release).
func (s *Store) CodecRootsTracked() bool { return s.codecRoots }

// PushTempRoots makes the words of *ws roots until PopTempRoots (for
// values held in Go code across an allocation).
func (s *Store) PushTempRoots(ws *[]uint64) {
	r := s.moreRoots()
	r.temps = append(r.temps, ws)
}

func (s *Store) PopTempRoots() {
	r := s.gc.roots
	r.temps = r.temps[:len(r.temps)-1]
}

// markRoots marks every root of the store.
func (s *Store) markRoots(m *gcheap.Marker) {
	for _, sc := range s.gc.stacks {
		sc.ScanRoots(m)
	}
	if s.codecRoots {
		s.codec.(StackScanner).ScanRoots(m)
	}
	r := s.gc.roots
	if r == nil {
		return
	}
	for _, g := range r.globals {
		m.Word(g.Lo)
	}
	for _, t := range r.tables {
		m.Words(t.Elems)
	}
	for _, inst := range r.instances {
		for i, refs := range inst.Elems() {
			if refs != nil && i < len(inst.Module.Elems) && gcheap.IsGCRef(inst.Module, inst.Module.Elems[i].Type) {
				m.Words(refs)
			}
		}
	}
	for _, e := range r.exns {
		m.Conservative(e.Payload)
	}
	for _, sc := range r.engines {
		sc.ScanRoots(m)
	}
	for _, ws := range r.temps {
		m.Conservative(*ws)
	}
	r.hostRoots.mark(m)
}

// ReleaseGC frees the heap now. The exceptions the store caught stay
// until Reset, as its functions do.
func (s *Store) releaseGC() {
	if s.gc.heap != nil {
		s.gc.heap.Close()
	}
	roots := s.gc.roots
	s.gc, s.codecRoots = gcState{limit: s.gc.limit}, false
	if roots != nil && len(roots.exns) > 0 {
		s.gc.roots = &gcRoots{exns: roots.exns}
	}
}

// GCTrap is the trap code of a failed allocation.
func GCTrap(err error) abi.TrapCode {
	switch err {
	case gcheap.ErrTooLarge:
		return abi.TrapAllocationTooLarge
	case gcheap.ErrInterrupted:
		return abi.TrapInterrupted
	case nil:
		return abi.TrapNone
	}
	return abi.TrapGCHeapOutOfMemory
}

// RegisterTypes enters inst's struct and array types in the store's heap
// and records their ids in inst.GCTypes() (nothing for a module without
// such types).
func (s *Store) RegisterTypes(inst *Instance) error {
	m := inst.Module
	for i := range m.Types {
		if m.Types[i].Kind != wasm.CompFunc {
			ids, err := s.GC().RegisterModule(m)
			inst.rareState().gcTypes = ids
			return err
		}
	}
	return nil
}
