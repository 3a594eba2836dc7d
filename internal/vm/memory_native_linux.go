//go:build linux

package vm

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/wasm"
)

// MapNative moves m's bytes out of the Go heap into a mapping that reserves
// the memory's whole limit, so that growing it never moves it: compiled
// code keeps byte 0's address for the memory's life. Bytes stays a view of
// the current size, so every other user of m is unaffected. Pages past the
// current size are reserved, not committed (MAP_NORESERVE); the kernel
// commits them on first touch. The mapping is released when m becomes
// unreachable. MapNative is idempotent.
func (m *Memory) MapNative() error {
	if m.reservation != nil {
		return nil
	}
	size := uint64(m.Limit) * wasm.PageSize
	if size < uint64(len(m.Bytes)) {
		size = uint64(len(m.Bytes))
	}
	if size == 0 {
		size = wasm.PageSize // a real address even for a memory that can never grow
	}
	if size > 1<<32 {
		return fmt.Errorf("vm: memory reservation of %d bytes is too large", size)
	}
	res, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("vm: reserving %d bytes of linear memory: %w", size, err)
	}
	copy(res, m.Bytes)
	limit := uint64(m.Limit) * wasm.PageSize
	if limit < uint64(len(m.Bytes)) {
		limit = uint64(len(m.Bytes))
	}
	m.Bytes = res[:len(m.Bytes):limit]
	m.reservation = res
	runtime.AddCleanup(m, func(b []byte) { _ = unix.Munmap(b) }, res)
	return nil
}

// Base is the address of byte 0 of a memory mapped with MapNative (0 before).
func (m *Memory) Base() uintptr {
	if m.reservation == nil {
		return 0
	}
	return uintptr(unsafe.Pointer(unsafe.SliceData(m.reservation)))
}
