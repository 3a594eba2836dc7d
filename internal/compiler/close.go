package compiler

import (
	"errors"
	"fmt"
	"slices"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// CloseInstance cuts a closed instance's code off its memories
// (engine.InstanceCloser), before the embedder gives them back: other
// instances of the store may still call that code (an import, a table
// entry, a funcref), and a memory given back is the next tenant's — a
// pool's slot, or address space the kernel maps again. Every memory then
// has length 0, which the explicit checks trap on; with guard pages, whose
// accesses are unchecked, the code addresses the engine's dead memory
// instead, where every access faults into an out-of-bounds trap. refresh
// keeps the lengths at 0 from then on (vm.Instance.Closed).
//
// A context in the slot of the instance's memory moves to the native
// state's own storage first, the descriptors with it: the slot's region
// is the next tenant's too. A descriptor block in that region cannot move
// (references hold its address): the region is detached from the slot,
// which goes back without it, and the region goes back with the store.
func (st *instance) CloseInstance() error {
	var base uintptr
	if st.mc.eng.guard {
		dead, err := st.mc.eng.deadMemory()
		if err != nil {
			return err
		}
		base = dead.Base()
	}
	if m := st.inst.Module; m.NumImportedTables == 0 && len(st.inst.Tables) > 0 {
		if tab := st.inst.Tables[0]; tab.Lent {
			// Its elements were lent in the slot's region: moved to the
			// Go heap, where the store's other instances (which may
			// import the table) find them after the slot goes back.
			tab.Elems, tab.Lent = slices.Clip(slices.Clone(tab.Elems)), false
			st.refresh()
		}
	}
	if st.inSlot() {
		st.useContext(st.contextRoom()) // own storage: the instance is closed
		st.placeContext(st.refs().block(st.inst, nil))
		st.refresh()
	}
	st.ctx.MemoryBase, st.ctx.MemoryLen = base, 0
	mems := st.memoryDescs()
	for i := range st.inst.Memories {
		mems[2*i+abi.MemoryDescBase/8] = uint64(base)
		mems[2*i+abi.MemoryDescLen/8] = 0
	}
	if b := st.refs().placed(st.inst); b != nil && b.inSlot && !b.detached {
		// The descriptors stay where the store's other instances and
		// funcref words reach them, in the slot's region: the region
		// stays the store's until the store is released, while the slot
		// goes back now (its next holders keep their context in the Go
		// heap meanwhile).
		if !st.mc.eng.slots.DetachContext(uintptr(b.addr())) {
			return errRegionNotLent
		}
		b.detached = true
	}
	return nil
}

// errRegionNotLent: the closed instance's descriptor block is in no slot
// region lent to it (which cannot happen); its memory stays with the store.
var errRegionNotLent = errors.New("compiler: the closed instance's descriptors are in no region lent to it")

// errNoDeadMemory: the engine could not reserve its dead memory.
var errNoDeadMemory = errors.New("compiler: no dead memory to cut a closed instance's code off its memories")

// deadMemory is the memory closed instances' code addresses in guard-page
// mode (newDeadMemory).
func (e *compilerEngine) deadMemory() (*vm.Memory, error) {
	if e.dead == nil {
		return nil, errNoDeadMemory
	}
	return e.dead, nil
}

// newDeadMemory makes a memory of no pages in a reservation laid out as
// every memory of a guard-page engine (registered with the signal
// handler), which the engine keeps for its life, so that its address is
// never anyone else's: every access of a closed instance's code faults
// there, into an out-of-bounds trap.
func newDeadMemory(l vm.Layout) (*vm.Memory, error) {
	mt := &wasm.MemoryType{Limits: wasm.Limits{Min: 0, Max: 0, HasMax: true}}
	m, err := vm.NewNativeMemory(mt, 0, l, vm.ImageFile{FD: -1})
	if err != nil {
		return nil, fmt.Errorf("compiler: reserving the dead memory: %w", err)
	}
	return m, nil
}

// inDeadMemory reports whether addr is in the engine's dead memory.
func (e *compilerEngine) inDeadMemory(addr uintptr) bool {
	return e.dead != nil && e.dead.InReservation(addr)
}
