package compiler

import (
	"runtime"

	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
)

// NewMemory makes defined memory idx mapped as the engine lays memories
// out, with the module's data already in it when the spec allows it
// (engine.MemoryMaker).
func (mc *moduleCode) NewMemory(idx uint32, limitPages uint32, room *vm.MemoryRoom) (*vm.Memory, bool, error) {
	m := mc.m
	t := m.MemoryTypeAt(idx)
	l := mc.eng.layoutOf(*t)
	if idx != 0 {
		mem, err := vm.NewNativeMemory(t, limitPages, l, vm.ImageFile{FD: -1})
		return mem, false, err
	}
	img, ok := pool.ImageFor(&mc.mem0, mc, m)
	if s := mc.eng.slots; s != nil && !t.Is64 {
		limit := mc.eng.slotLimit
		if limitPages != 0 {
			limit = min(limit, limitPages)
		}
		mem, err := s.NewMemory(t, limit, img, room)
		return mem, ok && err == nil, err
	}
	file := vm.ImageFile{FD: -1}
	if img != nil {
		file = vm.ImageFile{FD: img.FD(), Size: img.Size()}
	}
	mem, err := vm.NewNativeMemory(t, limitPages, l, file)
	// The image stays open while the module can still instantiate.
	runtime.KeepAlive(mc)
	return mem, ok && err == nil, err
}
