package ssatest

import "github.com/moat-run/moat/internal/abi"

// FlatMemory is a memory of len(FlatMemory) bytes at addresses 0 up; an
// access outside it traps with heap_oob (the pass tests use it).
type FlatMemory []byte

func (m FlatMemory) check(addr uint64, size int) error {
	if addr > uint64(len(m)) || uint64(len(m))-addr < uint64(size) {
		return &Trap{abi.TrapMemoryOutOfBounds}
	}
	return nil
}

// Load reads size bytes little-endian.
func (m FlatMemory) Load(addr uint64, size int) (uint64, error) {
	if err := m.check(addr, size); err != nil {
		return 0, err
	}
	var x uint64
	for i := range size {
		x |= uint64(m[addr+uint64(i)]) << (8 * i)
	}
	return x, nil
}

// Store writes the low size bytes of x little-endian.
func (m FlatMemory) Store(addr uint64, size int, x uint64) error {
	if err := m.check(addr, size); err != nil {
		return err
	}
	for i := range size {
		m[addr+uint64(i)] = byte(x >> (8 * i))
	}
	return nil
}
