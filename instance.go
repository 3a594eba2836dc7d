package moat

import (
	"context"
	"sync/atomic"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// Instance is an instantiated module living in a store.
type Instance struct {
	store storeRef
	// state is the instance's state: its module (state.mod, set when the
	// state is made and never changed, so a handle kept past Close reads
	// it without a race) and runtime form (state.inst, the next store's
	// once this one is closed).
	state *instanceState
	// first is room for the handle of the first function asked for by
	// name (Func), so that it lives where the instance's handle does.
	first     Func
	firstUsed atomic.Bool
}

// mod is the instance's module.
func (i *Instance) mod() *Module { return i.state.mod }

// vmInst is the instance's runtime form.
func (i *Instance) vmInst() *vm.Instance { return &i.state.inst }

// Module returns the module the instance was made from.
func (i *Instance) Module() *Module { return i.mod() }

// Store returns the instance's store.
func (i *Instance) Store() *Store { return &Store{storeRef: i.store} }

// Exports lists the instance's exports in order.
func (i *Instance) Exports() []ExportType { return i.mod().Exports() }

// Export returns the extern exported under name, or nil. Once the instance's
// store is closed, it is a closed extern: calls fail with ErrClosed, a
// memory, table or global is empty.
func (i *Instance) Export(name string) Extern {
	ex, ok := i.mod().export(name)
	if !ok {
		return nil
	}
	// The instance's state is looked at under the store's mark only: once
	// the store is closed it may serve another store.
	switch err := i.store.enter(); err {
	case nil:
		defer i.store.leave()
		return externOf(i.store, i.state, ex, true)
	case ErrStoreBusy:
		// Another goroutine's call: the handle is made with the state
		// pinned, and refused with ErrStoreBusy until the call returns.
		if i.store.pin() {
			defer i.store.unpin()
			return externOf(i.store, i.state, ex, false)
		}
	}
	return closedExtern(i.store, i.mod().m, ex)
}

// Func returns the exported function name, or nil when absent or not a
// function.
func (i *Instance) Func(name string) *Func {
	ex, ok := i.mod().export(name)
	if !ok || ex.Kind != wasm.ExternFunc {
		return nil
	}
	marked := false
	switch err := i.store.enter(); {
	case err == nil:
		defer i.store.leave()
		marked = true
	case err == ErrStoreBusy && i.store.pin():
		defer i.store.unpin() // as in Export
	default:
		return closedExtern(i.store, i.mod().m, ex).(*Func)
	}
	room := &i.first
	if !i.firstUsed.CompareAndSwap(false, true) {
		room = new(Func)
	}
	return funcOf(i.store, i.state, ex.Index, room, marked)
}

// export is m's export name.
func (m *Module) export(name string) (wasm.Export, bool) {
	for _, ex := range m.m.Exports {
		if ex.Name == name {
			return ex, true
		}
	}
	return wasm.Export{}, false
}

// Memory returns the exported memory name, or nil.
func (i *Instance) Memory(name string) *Memory {
	m, _ := i.Export(name).(*Memory)
	return m
}

// Global returns the exported global name, or nil.
func (i *Instance) Global(name string) *Global {
	g, _ := i.Export(name).(*Global)
	return g
}

// Table returns the exported table name, or nil.
func (i *Instance) Table(name string) *Table {
	t, _ := i.Export(name).(*Table)
	return t
}

// Tag returns the exported exception tag name, or nil.
func (i *Instance) Tag(name string) *Tag {
	t, _ := i.Export(name).(*Tag)
	return t
}

// Close releases the instance's own memories at once, without waiting for
// the garbage collector; calls to its functions fail with ErrClosed
// afterwards. A memory that another instance imported is only emptied:
// that instance sees it as empty (its accesses trap out of bounds), and
// its address space goes back when the store is closed. Closing
// twice, or after the store was closed, returns ErrClosed. Close fails with
// ErrStoreBusy while a call runs in the store, on another goroutine or —
// from a host function — on this one.
func (i *Instance) Close(ctx context.Context) error {
	s := i.store
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.depth > 1 {
		return errCloseInCall
	}
	if s.isClosed(i.vmInst()) {
		return ErrClosed
	}
	s.closeInstance(i.vmInst(), false)
	return nil
}
