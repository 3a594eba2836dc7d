package interp

import (
	"runtime"

	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
)

// With a pool (Config.Slots), an instance's 32-bit memory 0 takes a slot,
// as on the compiler: the pool is reserved once, a slot given back is
// reset and kept warm for the next instance, and the module's data is in
// place from a copy-on-write image (or copied in, when small) instead of
// being applied segment by segment. The interpreter checks every access
// against the memory's length, so its slots are read+write and unguarded
// (pool.NewCheckedSlots). Other memories are Go slices.

// NewMemory makes memory idx of an instance (engine.MemoryMaker); applied
// reports that the module's active data segments are in it already.
func (mc *moduleCode) NewMemory(idx uint32, limitPages uint32, room *vm.MemoryRoom) (*vm.Memory, bool, error) {
	t := mc.m.MemoryTypeAt(idx)
	if mc.slots == nil || idx != 0 || t.Is64 {
		return vm.NewMemory(t, limitPages), false, nil
	}
	img, ok := pool.ImageFor(&mc.image, mc, mc.m)
	limit := mc.slotPages
	if limitPages != 0 {
		limit = min(limit, limitPages)
	}
	mem, err := mc.slots.NewMemory(t, limit, img, room)
	if err != nil {
		return nil, false, err
	}
	// The image stays open while the module can still instantiate.
	runtime.KeepAlive(mc)
	return mem, ok, nil
}

// SlotStats reports the engine's pool of memory slots: how many it holds
// and their counts now. ok is false when the engine has no pool.
func (e *interpEngine) SlotStats() (slots int, st pool.Stats, ok bool) {
	if e.cfg.Slots == nil {
		return 0, pool.Stats{}, false
	}
	return e.cfg.Slots.Len(), e.cfg.Slots.Stats(), true
}
