//go:build !linux

package vm

// reservation is a memory's mapping (there are none here).
type reservation struct{ layout Layout }

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
