package pool

import (
	"fmt"
	"os"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// A pool's defaults: 1000 slots, 100 of them kept warm, memories of up
// to 4 GiB (Wasmtime's), and the first 128 KiB of a warm slot reset in
// place (Wasmtime keeps none resident by default; two WebAssembly pages
// hold the whole memory of a small C program).
const (
	DefaultSlots         = 1000
	DefaultMaxWarm       = 100
	DefaultMaxMemorySize = 4 << 30
	DefaultKeepResident  = 128 << 10
)

// NewCheckedSlots makes a pool for memories whose every access is checked
// against their length (the interpreter's): each slot is maxMemorySize
// bytes, rounded up to whole pages, read+write from the start and without
// guards, so the pool is one kernel mapping whatever the number of slots
// in use. Zero arguments take the defaults. It returns the pages a memory
// in the pool may grow to. keepResident is SlotConfig.KeepResident (no
// default: 0 keeps nothing resident).
func NewCheckedSlots(slots, maxWarm int, maxMemorySize, keepResident uint64) (*Slots, uint32, error) {
	if slots < 0 || maxWarm < 0 {
		return nil, 0, fmt.Errorf("pool: %d slots, %d warm", slots, maxWarm)
	}
	if slots == 0 {
		slots = DefaultSlots
	}
	if maxWarm == 0 {
		maxWarm = DefaultMaxWarm
	}
	if maxMemorySize == 0 {
		maxMemorySize = DefaultMaxMemorySize
	}
	page := uint64(os.Getpagesize())
	size := (maxMemorySize + wasm.PageSize - 1) &^ (wasm.PageSize - 1)
	size = (size + page - 1) &^ (page - 1)
	s, err := NewSlots(SlotConfig{Slots: slots, Layout: vm.Layout{Reserve: size}, Accessible: true, MaxWarm: maxWarm,
		KeepResident: keepResident})
	if err != nil {
		return nil, 0, err
	}
	return s, uint32(min(size/wasm.PageSize, wasm.MaxPages)), nil
}
