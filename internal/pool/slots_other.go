//go:build !linux

package pool

import (
	"errors"

	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// ErrExhausted is returned when every slot of a pool is in use.
var ErrExhausted = errors.New("pool: every slot is in use")

// SlotConfig sizes a pool of memory slots.
type SlotConfig struct {
	Slots      int
	Layout     vm.Layout
	Accessible bool
	MaxWarm    int
	// KeepResident and ContextBytes: see the Linux pool.
	KeepResident uint64
	ContextBytes int
}

// Slots is a pool of memory slots; this platform has none.
type Slots struct{}

// NewSlots fails: pools need Linux.
func NewSlots(SlotConfig) (*Slots, error) { return nil, errors.New("pool: memory slots need Linux") }

// NewMemory fails.
func (*Slots) NewMemory(*wasm.MemoryType, uint32, *Image, *vm.MemoryRoom) (*vm.Memory, error) {
	return nil, errors.New("pool: memory slots need Linux")
}

// Stats counts slots.
type Stats struct{ InUse, Warm, Leaked int }

// Stats reports nothing.
func (*Slots) Stats() Stats { return Stats{} }

// Len is 0.
func (*Slots) Len() int { return 0 }

// DetachContext reports false: there are no context regions here.
func (*Slots) DetachContext(uintptr) bool { return false }

// ReleaseContext does nothing: there are no context regions here.
func (*Slots) ReleaseContext(uintptr) {}
