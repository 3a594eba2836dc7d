package moat

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Global is a global variable. Its value is a word as described for Func.Call
// (a v128 global is read and written with GetV128 and SetV128).
type Global struct {
	store storeRef
	g     *vm.Global
	// typ is g's type, read when the handle is made (see Memory.typ).
	typ *wasm.GlobalType
}

// NewGlobal makes a global of type t with value v in store s. A funcref
// value must be null or a reference of s.
func NewGlobal(s *Store, t GlobalType, v uint64) (*Global, error) {
	if !t.Value.valid() {
		return nil, fmt.Errorf("moat: NewGlobal: invalid value type %s", t.Value)
	}
	vt := ptrTo(t.internal())
	g := &Global{store: s.storeRef, g: &vm.Global{Type: vt}, typ: vt}
	if t.Value.IsRef() {
		if err := s.enter(); err != nil {
			return nil, err
		}
		defer s.leave()
	}
	if err := g.set(v, 0); err != nil {
		return nil, err
	}
	if t.Value.IsRef() {
		s.vs.TrackGlobal(g.g)
	}
	return g, nil
}

// Type returns the global's type.
func (g *Global) Type() GlobalType { return fromGlobalType(*g.typ) }

// Get returns the value (the low word of a v128). A reference of the any
// or extern hierarchies is rooted (see NewExternRef); while another
// goroutine has a call running in the store, it reads as 0. A global of a
// closed store reads as 0 (a funcref one as null).
func (g *Global) Get() uint64 {
	// Under the mark: a closed store's global may be another store's now.
	if g.store.enter() != nil {
		return 0
	}
	defer g.store.leave()
	v := g.g.Lo
	switch t := g.g.Type.Val; {
	case isFuncWord(g.g.Module, t):
		return g.store.storeState.funcWordOut(v)
	case t.IsRef() && hasGCRefs(g.g.Module, []wasm.ValType{t}):
		g.store.vs.RootForHost(v)
	}
	return v
}

// GetV128 returns both words of the value, low first (zeros while another
// goroutine has a call running in the store, or once it is closed).
func (g *Global) GetV128() (lo, hi uint64) {
	if g.store.enter() != nil {
		return 0, 0
	}
	defer g.store.leave()
	return g.g.Lo, g.g.Hi
}

// Set changes a mutable global's value.
func (g *Global) Set(v uint64) error { return g.SetV128(v, 0) }

// SetV128 changes a mutable global's value, giving both words (low first).
// Like Set, it fails with ErrStoreBusy while another goroutine has a call
// running in the global's store.
func (g *Global) SetV128(lo, hi uint64) error {
	if err := g.store.enter(); err != nil {
		return err // closed: its state may serve another store now
	}
	defer g.store.leave()
	if !g.g.Type.Mutable {
		return fmt.Errorf("moat: cannot set an immutable global")
	}
	return g.set(lo, hi)
}

func (g *Global) set(lo, hi uint64) error {
	words := []uint64{lo, hi}
	if err := checkWords(g.store.storeState, []wasm.ValType{g.g.Type.Val}, g.g.Module, words); err != nil {
		return fmt.Errorf("moat: global: %w", err)
	}
	lo, hi = words[0], words[1]
	if g.g.Type.Val != wasm.V128 {
		hi = 0
	}
	g.g.Lo, g.g.Hi = lo, hi
	return nil
}
