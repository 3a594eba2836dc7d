package moat

import (
	"fmt"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// tableBound is the largest size a table type may declare.
func tableBound(is64 bool) uint64 {
	if is64 {
		return 1<<64 - 1
	}
	return 1<<32 - 1
}

// Table is a table of references (funcref, externref, … words; 0 is null).
type Table struct {
	store storeRef
	tab   *vm.Table
	// typ is tab's type, read when the handle is made (see Memory.typ).
	typ *wasm.TableType
}

// NewTable makes a table of t.Limits.Min elements set to init in store s,
// capped by the engine's MaxTableElements.
func NewTable(s *Store, t TableType, init uint64) (*Table, error) {
	if !t.Elem.IsRef() || !t.Elem.valid() {
		return nil, fmt.Errorf("moat: NewTable: element type must be a reference type, not %s", t.Elem)
	}
	if err := checkLimits("table", t.Limits, tableBound(t.Is64)); err != nil {
		return nil, err
	}
	if limit := s.engine.tableLimit(); t.Limits.Min > uint64(limit) {
		return nil, fmt.Errorf("%w: table of %d elements, the limit is %d", ErrResourceLimit, t.Limits.Min, limit)
	}
	tab := &Table{store: s.storeRef}
	// Resolving a reference reads the store's function and exception
	// lists: only while no call runs.
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	init, err := checkRefWord(s.storeState, wasm.ValType(t.Elem), nil, init)
	if err != nil {
		return nil, err
	}
	if err := s.checkTable(t.Limits.Min); err != nil {
		return nil, err
	}
	if l := s.limits().Tables; l > 0 && int(s.counts.tables) >= l {
		return nil, limitError("the store holds %d tables, its limit", l)
	}
	tab.typ = ptrTo(t.internal())
	tab.tab = vm.NewTable(tab.typ, init, s.engine.cfg.MaxTableElements)
	s.limitTable(tab.tab)
	s.counts.tables++
	s.vs.TrackTable(tab.tab)
	return tab, nil
}

// tableLimit is the most elements any table may have.
func (e *Engine) tableLimit() uint32 {
	if l := e.cfg.MaxTableElements; l != 0 && l < vm.MaxTableElems {
		return l
	}
	return vm.MaxTableElems
}

// Type returns the table's type.
func (t *Table) Type() TableType { return fromTableType(*t.typ) }

// Size is the current number of elements. A closed store's table has
// none (its state may serve another store now), and it reads as 0 while
// another goroutine has a call running in the store.
func (t *Table) Size() uint32 {
	if t.store.enter() != nil {
		return 0
	}
	defer t.store.leave()
	return t.tab.Size()
}

// Get returns element i. Like Set, it fails with ErrStoreBusy while another
// goroutine has a call running in the store (whose code may be growing the
// table).
func (t *Table) Get(i uint32) (uint64, error) {
	if err := t.store.enter(); err != nil {
		return 0, err
	}
	defer t.store.leave()
	if i >= t.tab.Size() {
		return 0, fmt.Errorf("moat: table index %d out of bounds (size %d)", i, t.tab.Size())
	}
	v := [1]uint64{t.tab.Elems[i]}
	t.store.handOut([]wasm.ValType{t.tab.Type.Elem}, t.tab.Module, v[:])
	return v[0], nil
}

// Set changes element i. A funcref must be null or a reference of the
// table's store. Like Grow, it fails with ErrStoreBusy while another
// goroutine has a call running in the store.
func (t *Table) Set(i uint32, ref uint64) error {
	if err := t.store.enter(); err != nil {
		return err
	}
	defer t.store.leave()
	if i >= t.tab.Size() {
		return fmt.Errorf("moat: table index %d out of bounds (size %d)", i, t.tab.Size())
	}
	ref, err := t.checkElem(ref)
	if err != nil {
		return err
	}
	t.tab.Elems[i] = ref
	return nil
}

// Grow appends delta elements set to init and returns the previous size.
func (t *Table) Grow(delta uint32, init uint64) (uint32, error) {
	if err := t.store.enter(); err != nil {
		return 0, err
	}
	defer t.store.leave()
	init, err := t.checkElem(init)
	if err != nil {
		return 0, err
	}
	old, ok := t.tab.Grow(delta, init)
	if !ok {
		return old, fmt.Errorf("moat: cannot grow table of %d elements by %d (limit %d)", old, delta, t.tab.Limit)
	}
	return old, nil
}

// checkElem checks a word the host hands in for an element and returns
// the engine's form of it.
func (t *Table) checkElem(ref uint64) (uint64, error) {
	return checkRefWord(t.store.storeState, t.tab.Type.Elem, t.tab.Module, ref)
}
