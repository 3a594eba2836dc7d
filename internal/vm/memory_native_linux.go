//go:build linux

package vm

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm/sigtrap"
	"github.com/moat-run/moat/internal/wasm"
)

// reservation is a memory's mapping outside the Go heap:
//
//	[guard before][byte 0 ... length: read+write][... reserve: none][guard after]
//
// Everything but the pages below the current length is PROT_NONE, so an
// access past the length, at any offset up to the end of the guard after,
// faults instead of reading or writing anything.
type reservation struct {
	mem    []byte  // the whole mapping
	byte0  *byte   // byte 0 (&mem[GuardBefore])
	base   uintptr // its address
	layout Layout
	trap   bool // registered with the signal handler
}

// MapNative moves m's bytes out of the Go heap into a reservation laid out
// as l says, so that growing it never moves it: compiled code keeps byte
// 0's address for the memory's life. Bytes stays a view of the current
// size. Pages are committed (made read+write) as the memory grows, and
// every page past the length stays PROT_NONE. The reservation is charged
// to the process's address space (l.Limits; a *SpaceError past them) and
// released when m becomes unreachable. MapNative is idempotent; a memory
// already mapped must satisfy l (Satisfies), or it is an error.
func (m *Memory) MapNative(l Layout) error {
	if m.res != nil {
		if !m.res.layout.Satisfies(l) {
			return fmt.Errorf("vm: memory already mapped as %v, not %v", m.res.layout, l)
		}
		return nil
	}
	page := uint64(unix.Getpagesize())
	limit := max(uint64(m.Limit)*wasm.PageSize, uint64(len(m.Bytes)))
	if l.Reserve < limit {
		l.Reserve = limit
	}
	if l.Reserve == 0 {
		l.Reserve = page // a real address even for a memory that can never grow
	}
	l.Reserve = roundUp(l.Reserve, page)
	l.GuardBefore, l.GuardAfter = roundUp(l.GuardBefore, page), roundUp(l.GuardAfter, page)
	if err := l.check(); err != nil {
		return err
	}
	total := l.GuardBefore + l.Reserve + l.GuardAfter
	mem, err := mapReserved(l.Limits, "a linear memory", total, memoryMappings, func() ([]byte, error) {
		return unix.Mmap(-1, 0, int(total), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	})
	if err != nil {
		return err
	}
	r := &reservation{mem: mem, layout: l}
	r.byte0 = &mem[l.GuardBefore]
	r.base = uintptr(unsafe.Pointer(r.byte0))
	if err := r.commit(0, uint64(len(m.Bytes))); err != nil {
		r.release()
		return spaceFailed("a linear memory", total, memoryMappings, err)
	}
	if l.Trap {
		if err := sigtrap.RegisterReservation(uintptr(unsafe.Pointer(&mem[0])), uintptr(total)); err != nil {
			r.release()
			return fmt.Errorf("vm: %w", err)
		}
		r.trap = true
	}
	copy(r.bytes(uint64(len(m.Bytes))), m.Bytes)
	m.Bytes = r.bytes(uint64(len(m.Bytes)))
	m.res = r
	runtime.AddCleanup(m, (*reservation).release, r)
	return nil
}

// bytes is the view of the first n bytes.
func (r *reservation) bytes(n uint64) []byte {
	// base is outside the Go heap and stays mapped until release, which
	// runs only once the Memory (the one holder of such views that the
	// runtime hands out) is unreachable.
	return unsafe.Slice(r.byte0, n)
}

// commit makes bytes [from, to) of the memory read+write.
func (r *reservation) commit(from, to uint64) error {
	if to <= from {
		return nil
	}
	off := uint64(r.base-uintptr(unsafe.Pointer(&r.mem[0]))) + from
	return unix.Mprotect(r.mem[off:off+to-from], unix.PROT_READ|unix.PROT_WRITE)
}

// release unregisters and unmaps the reservation and returns its space.
// Unregistering comes first: once unmapped, the addresses may be handed
// to someone else.
func (r *reservation) release() {
	if r.mem == nil {
		return
	}
	if r.trap {
		sigtrap.UnregisterReservation(uintptr(unsafe.Pointer(&r.mem[0])), uintptr(len(r.mem)))
	}
	total := uint64(len(r.mem))
	_ = unix.Munmap(r.mem)
	r.mem = nil
	releaseSpace(total, memoryMappings)
}

// growMapped commits the pages of a grow to newLen bytes.
func (m *Memory) growMapped(newLen uint64) bool {
	if newLen > m.res.layout.Reserve || m.res.commit(uint64(len(m.Bytes)), newLen) != nil {
		return false
	}
	m.Bytes = m.res.bytes(newLen)
	return true
}

// releaseMapped makes every page of a closed memory inaccessible and
// gives its contents back to the kernel; the reservation itself stays
// (code that still refers to it faults, and the fault is an out-of-bounds
// trap) until m is unreachable.
func (m *Memory) releaseMapped() {
	n := uint64(len(m.Bytes))
	if n == 0 {
		return
	}
	off := uint64(m.res.base - uintptr(unsafe.Pointer(&m.res.mem[0])))
	b := m.res.mem[off : off+n]
	_ = unix.Mprotect(b, unix.PROT_NONE)
	_ = unix.Madvise(b, unix.MADV_DONTNEED)
}

// Base is the address of byte 0 of a memory mapped with MapNative (0 before).
func (m *Memory) Base() uintptr {
	if m.res == nil {
		return 0
	}
	return m.res.base
}

// Mapped returns the layout of a memory mapped with MapNative (sizes as
// mapped, rounded up to pages), and whether it is.
func (m *Memory) Mapped() (Layout, bool) {
	if m.res == nil {
		return Layout{}, false
	}
	return m.res.layout, true
}

// InReservation reports whether addr lies in the reservation of a memory
// mapped with MapNative, guards included.
func (m *Memory) InReservation(addr uintptr) bool {
	if m.res == nil || m.res.mem == nil {
		return false
	}
	start := uintptr(unsafe.Pointer(&m.res.mem[0]))
	return addr-start < uintptr(len(m.res.mem))
}

func roundUp(n, page uint64) uint64 { return (n + page - 1) &^ (page - 1) }
