package compiler

import (
	"fmt"

	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// newSlots makes the engine's pool of memory slots for memories laid out
// as l, and returns the pages a memory in it may grow to.
func newSlots(c PoolConfig, l vm.Layout) (*pool.Slots, uint32, error) {
	if c.Slots < 0 || c.MaxWarm < 0 {
		return nil, 0, fmt.Errorf("compiler: pool of %d slots, %d warm", c.Slots, c.MaxWarm)
	}
	if c.Slots == 0 {
		c.Slots = 1000
	}
	if c.MaxWarm == 0 {
		c.MaxWarm = 100
	}
	if c.MaxMemorySize == 0 {
		c.MaxMemorySize = DefaultMemoryReservation
	}
	const page = wasm.PageSize
	size := (c.MaxMemorySize + page - 1) &^ (page - 1)
	if !l.Trap {
		// Every access is checked: a slot needs only its memory's room.
		l.Reserve = size
	}
	if l.Reserve < size {
		size = l.Reserve
	}
	s, err := pool.NewSlots(pool.SlotConfig{Slots: c.Slots, Layout: l, Accessible: !l.Trap, MaxWarm: c.MaxWarm,
		KeepResident: c.KeepResident, ContextBytes: slotContextBytes})
	if err != nil {
		return nil, 0, fmt.Errorf("compiler: %w", err)
	}
	return s, uint32(min(size/page, wasm.MaxPages)), nil
}

// SlotStats reports the engine's pool of memory slots: how many it holds
// and their counts now. ok is false when the engine has no pool.
func (e *compilerEngine) SlotStats() (slots int, st pool.Stats, ok bool) {
	if e.slots == nil {
		return 0, pool.Stats{}, false
	}
	return e.slots.Len(), e.slots.Stats(), true
}
