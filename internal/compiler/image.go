package compiler

import (
	"os"
	"runtime"
	"sync"

	"github.com/moat-run/moat/internal/pool"
	"github.com/moat-run/moat/internal/vm"
)

// memoryImage is memory 0's initial contents, planned and written to a
// memfd once per module, on its first instantiation.
type memoryImage struct {
	once sync.Once
	ok   bool        // the data can be applied ahead (pool.PlanImage)
	img  *pool.Image // nil when the data is empty
	err  error
}

// NewMemory makes defined memory idx mapped as the engine lays memories
// out, with the module's data already in it when the spec allows it
// (engine.MemoryMaker).
func (mc *moduleCode) NewMemory(idx uint32, limitPages uint32) (*vm.Memory, bool, error) {
	m := mc.m
	t := m.MemoryTypeOf(idx)
	l := mc.eng.layoutOf(t)
	if idx != 0 {
		mem, err := vm.NewNativeMemory(t, limitPages, l, vm.ImageFile{FD: -1})
		return mem, false, err
	}
	im := mc.image()
	if im.err != nil {
		return nil, false, im.err
	}
	if s := mc.eng.slots; s != nil && !t.Is64 {
		limit := mc.eng.slotLimit
		if limitPages != 0 {
			limit = min(limit, limitPages)
		}
		mem, err := s.NewMemory(t, limit, im.img)
		return mem, im.ok && err == nil, err
	}
	file := vm.ImageFile{FD: -1}
	if im.img != nil {
		file = vm.ImageFile{FD: im.img.FD(), Size: im.img.Size()}
	}
	mem, err := vm.NewNativeMemory(t, limitPages, l, file)
	// The image stays open while the module can still instantiate.
	runtime.KeepAlive(mc)
	return mem, im.ok && err == nil, err
}

// image plans memory 0's image and builds it on first use.
func (mc *moduleCode) image() *memoryImage {
	im := &mc.mem0
	im.once.Do(func() {
		plan, ok := pool.PlanImage(mc.m, 0)
		if !ok || plan.Size == 0 {
			im.ok = ok
			return
		}
		img, err := pool.NewImage(plan, uint64(os.Getpagesize()))
		if err != nil {
			// memfd refused (a sandbox without it): segments are applied
			// one by one instead, as for a module the plan refuses.
			return
		}
		im.ok, im.img = true, img
		runtime.AddCleanup(mc, func(img *pool.Image) { img.Close() }, img)
	})
	return im
}
