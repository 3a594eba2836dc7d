//go:build !linux

package vm

import "github.com/moat-run/moat/internal/wasm"

// reservation is a memory's mapping (there are none here).
type reservation struct{ layout Layout }

// slotHold is the room's hold on a slot; there are no slots here.
type slotHold struct{}

// MapNative reports ErrNativeUnsupported: there is no native code here.
func (m *Memory) MapNative(l Layout) error { return ErrNativeUnsupported }

// Base is 0: memories are never mapped here.
func (m *Memory) Base() uintptr { return 0 }

// Mapped reports false: memories are never mapped here.
func (m *Memory) Mapped() (Layout, bool) { return Layout{}, false }

// InReservation reports false: memories are never mapped here.
func (m *Memory) InReservation(addr uintptr) bool { return false }

func (m *Memory) growMapped(newLen uint64) bool { return false }

func (m *Memory) releaseMapped() {}

// ImageFile is a memory's initial contents in a file; there are none here.
type ImageFile struct {
	FD   int
	Size uint64
}

// NewNativeMemory reports ErrNativeUnsupported: there is no native code here.
func NewNativeMemory(t *wasm.MemoryType, limitPages uint32, l Layout, img ImageFile) (*Memory, error) {
	return nil, ErrNativeUnsupported
}

// Empty readies room for its next memory.
func (room *MemoryRoom) Empty() bool {
	// The type stays: a closed store's handle may still read it (its
	// owner's next memory in the room has the same).
	room.mem = Memory{Type: room.mem.Type}
	return true
}

// AddSlotCleanup does nothing: there are no slots here.
func AddSlotCleanup[T any](owner *T, room *MemoryRoom) {}

// Free releases a memory at once (Release: nothing is mapped here).
func (m *Memory) Free() { m.Release() }

// FreeUnwritten is Free: there are no slots to spare a reset here.
func (m *Memory) FreeUnwritten() { m.Free() }

// SlotContext is nil: there are no slots here.
func (m *Memory) SlotContext() []byte { return nil }
