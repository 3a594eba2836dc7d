package moat

import (
	"fmt"
	"time"

	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/internal/wasm"
)

// Garbage-collected references. Words of the any hierarchy (anyref,
// eqref, i31ref, structref, arrayref, (ref $t) of a struct or array type)
// and of the extern hierarchy (externref) are managed by the store's
// collector, as in Wasmtime:
//
//   - An externref is made by NewExternRef from any Go value, which the
//     store keeps until nothing references it; ExternRefData reads it back.
//     A GC object that holds the externref keeps the value alive.
//   - Every such word the store hands to the host (a call's results, a
//     global's or table element's value, a host function's parameters, an
//     exception's payload, NewExternRef's result) is rooted: the object or
//     value it names stays alive until the root scope that was innermost
//     when it was handed out is closed (see Store.RootScope), or, outside
//     any scope, until the store is closed. A host function's parameters
//     are rooted for the duration of its call.
//   - A word the host hands in (parameters, results of a host function,
//     Table.Set, Global.Set…) must be null, an i31 (NewI31Ref), or rooted
//     in the store, and of the expected type; anything else is refused
//     with an error, never followed.
//
// any.convert_extern and extern.convert_any do not change a word, so an
// externref made by the host and converted to anyref by the guest comes
// back as the same word.

// NewExternRef returns an externref for v in store s, rooted as described
// above.
func NewExternRef(s *Store, v any) (uint64, error) {
	if err := s.enterOpen(); err != nil {
		return 0, err
	}
	defer s.leave()
	w, err := s.vs.GC().NewExtern(v)
	if err != nil {
		return 0, fmt.Errorf("moat: NewExternRef: %w", err)
	}
	s.vs.RootForHost(w)
	return w, nil
}

// ExternRefData returns the Go value an externref of s stands for, and
// false for null, for an externref that holds a GC object or an i31
// converted by extern.convert_any, and for words that are not rooted
// references of s.
func ExternRefData(s *Store, ref uint64) (any, bool) {
	if s.enter() != nil {
		return nil, false
	}
	defer s.leave()
	if !s.vs.HasGC() || !s.vs.HostRooted(ref) {
		return nil, false
	}
	return s.vs.GC().Extern(ref)
}

// NewI31Ref returns the i31ref of the low 31 bits of v (a word that needs
// no store).
func NewI31Ref(v int32) uint64 { return gcheap.I31(uint32(v)) }

// I31RefValue reads an i31ref word, sign-extended, and reports whether
// ref is one.
func I31RefValue(ref uint64) (int32, bool) {
	if !gcheap.IsI31(ref) {
		return 0, false
	}
	return gcheap.I31S(ref), true
}

// RefHasType reports whether ref, a word of store s, is a value of the
// reference type t: for instance (ref i31), (ref struct) or anyref for an
// anyref word, funcref for a funcref word.
func (s *Store) RefHasType(ref uint64, t ValueType) bool {
	if !t.IsRef() || s.enter() != nil {
		return false
	}
	defer s.leave()
	_, err := checkRefWord(s.storeState, wasm.ValType(t), nil, ref)
	return err == nil
}

// RootScope is a scope of rooted references (see Store.RootScope).
type RootScope struct {
	s *Store
	n int
}

// RootScope opens a scope: the references handed to the host from now on
// until its Close stay alive until then (not until the store is closed).
// Scopes nest and must be closed in reverse order of opening.
func (s *Store) RootScope() *RootScope {
	if s.enter() != nil {
		return &RootScope{}
	}
	defer s.leave()
	return &RootScope{s: s, n: s.vs.EnterRootScope()}
}

// Close unroots the references rooted in the scope and in the scopes
// opened inside it. A second Close does nothing.
func (r *RootScope) Close() {
	if r.s == nil || r.s.enter() != nil {
		return
	}
	defer r.s.leave()
	r.s.vs.ExitRootScope(r.n)
	r.s = nil
}

// GCStats describes a store's garbage collections.
type GCStats struct {
	Collections int
	TotalPause  time.Duration
	MaxPause    time.Duration
	Pauses      []time.Duration // the most recent pauses (up to 4096), oldest first
	// TotalPauseCPU and PausesCPU are the CPU time of the pauses (Linux;
	// 0 elsewhere): the pause less what other processes took meanwhile.
	TotalPauseCPU  time.Duration
	PausesCPU      []time.Duration
	LiveBytes      uint64 // bytes of objects that survived the last collection
	HeapBytes      uint64 // bytes of heap in use (objects, free holes, free blocks)
	AllocatedBytes uint64 // bytes allocated over the store's life
}

// GCStats returns the statistics of the store's GC heap: zero until the
// store first allocates, and while another goroutine has a call running
// in the store.
func (s *Store) GCStats() GCStats {
	if s.enter() != nil {
		return GCStats{}
	}
	defer s.leave()
	if !s.vs.HasGC() {
		return GCStats{}
	}
	st := s.vs.GC().Stats()
	return GCStats(st)
}

// GC collects the store's garbage now. Collection is otherwise automatic:
// it runs when the guest has allocated as much as survived the last one,
// and when the heap would pass Config.MaxGCHeapBytes. It pauses this store
// only.
func (s *Store) GC() error {
	if err := s.enterOpen(); err != nil {
		return err
	}
	defer s.leave()
	if !s.vs.HasGC() {
		return nil
	}
	s.vs.GC().Collect()
	return nil
}

// hasGCRefs reports whether any of ts is a GC-managed reference type.
func hasGCRefs(ctx *wasm.Module, ts []wasm.ValType) bool {
	for _, t := range ts {
		if t.IsRef() && gcheap.IsGCRef(ctx, t) {
			return true
		}
	}
	return false
}

// checkGCRef checks a word of the any or extern hierarchy against t (of
// module ctx, nil when t names no type index).
func checkGCRef(s *storeState, t wasm.ValType, ctx *wasm.Module, ref uint64) error {
	if !s.vs.HostRooted(ref) {
		return fmt.Errorf("moat: %#x is not a rooted reference of this store (made up, from another store, or its root scope was closed)", ref)
	}
	h := t.Heap()
	if ctx.TopHeap(h) == wasm.HeapExtern {
		return nil // every value of the any hierarchy converts to extern
	}
	kind := "a host value"
	switch {
	case gcheap.IsI31(ref):
		kind = "an i31"
		if h == wasm.HeapAny || h == wasm.HeapEq || h == wasm.HeapI31 {
			return nil
		}
	case gcheap.IsObject(ref):
		heap := s.vs.GC()
		id := heap.TypeOf(ref)
		ti := heap.Type(id)
		kind = "a " + ti.Kind.String()
		switch h {
		case wasm.HeapAny, wasm.HeapEq:
			return nil
		case wasm.HeapStruct:
			if ti.Kind == wasm.CompStruct {
				return nil
			}
		case wasm.HeapArray:
			if ti.Kind == wasm.CompArray {
				return nil
			}
		default:
			if !h.IsAbstract() && ctx != nil && h.Index() < uint32(len(ctx.Types)) {
				if want := heap.TypeID(ctx.Types[h.Index()].Key()); want != 0 && heap.IsSubtype(id, want) {
					return nil
				}
			}
		}
	default:
		if h == wasm.HeapAny {
			return nil
		}
	}
	return fmt.Errorf("moat: %#x is %s, not a value of %s", ref, kind, t)
}
