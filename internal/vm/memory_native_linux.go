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
//
// A memory in a pool's slot keeps its record for every instance that uses
// the slot (vm.MemoryRoom), one per live sandbox: the fields are packed
// into 128 bytes.
type reservation struct {
	mem    []byte // the whole mapping
	byte0  *byte  // byte 0 (&mem[GuardBefore])
	layout Layout
	trap   bool  // registered with the signal handler
	maps   int32 // kernel mappings charged for it
	// cleanup releases the reservation once its Memory is unreachable,
	// unless Free released it first.
	cleanup runtime.Cleanup

	// slot, when set, owns the mapping (a pool's slot, memory_slot_linux.go):
	// commits, revokes and releases go to it; length is the memory's
	// accessible size, which it resets on release.
	slot   Slot
	length uint64
	// hold, for a memory made in a MemoryRoom, is the room's hold on the
	// slot, whose record this is (Slot.Record): release clears both
	// before the slot goes back to its next holder.
	hold *slotHold
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
	return m.mapNative(l, ImageFile{FD: -1}, m.Bytes)
}

// ImageFile is a memory's initial contents in a file (a sealed memfd, see
// internal/pool) mapped private at byte 0: Size bytes, a multiple of the
// page size; FD -1 or Size 0 for none.
type ImageFile struct {
	FD   int
	Size uint64
}

// NewNativeMemory makes a memory of t.Limits.Min pages straight in a
// reservation laid out as l (see MapNative), never in the Go heap. Its
// first img.Size bytes map img copy-on-write, so they start as the image
// whatever its size, for the cost of one mmap; the rest are zero.
func NewNativeMemory(t *wasm.MemoryType, limitPages uint32, l Layout, img ImageFile) (*Memory, error) {
	m := &Memory{Type: t, Limit: memoryLimit(t, limitPages)}
	n := t.Limits.Min * wasm.PageSize
	if img.FD >= 0 && img.Size > n {
		return nil, fmt.Errorf("vm: memory image of %#x bytes is larger than the memory (%#x)", img.Size, n)
	}
	if err := m.mapNative(l, img, unsafe.Slice((*byte)(nil), 0)); err != nil {
		return nil, err
	}
	if err := m.res.commit(img.Size, n); err != nil {
		m.res.release()
		return nil, spaceFailed("a linear memory", uint64(len(m.res.mem)), int(m.res.maps), err)
	}
	m.Bytes = m.res.bytes(n)
	return m, nil
}

// mapNative maps m's reservation, with img at byte 0 when it has one, and
// copies init (m's current bytes) in.
func (m *Memory) mapNative(l Layout, img ImageFile, init []byte) error {
	if img.FD < 0 {
		img.Size = 0
	}
	page := uint64(unix.Getpagesize())
	limit := max(uint64(m.Limit)*wasm.PageSize, uint64(len(init)))
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
	maps := memoryMappings
	if img.Size > 0 {
		maps++ // the image's pages are a mapping of their own
	}
	mem, err := mapReserved(l.Limits, "a linear memory", total, maps, func() ([]byte, error) {
		return unix.Mmap(-1, 0, int(total), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	})
	if err != nil {
		return err
	}
	r := &reservation{mem: mem, layout: l, maps: int32(maps)}
	r.byte0 = &mem[l.GuardBefore]
	if img.Size > 0 {
		if err := mapImage(r.byte0, img); err != nil {
			r.release()
			return spaceFailed("a linear memory", total, maps, err)
		}
	}
	if err := r.commit(img.Size, uint64(len(init))); err != nil {
		r.release()
		return spaceFailed("a linear memory", total, maps, err)
	}
	if l.Trap {
		if err := sigtrap.RegisterReservation(uintptr(unsafe.Pointer(&mem[0])), uintptr(total)); err != nil {
			r.release()
			return fmt.Errorf("vm: %w", err)
		}
		r.trap = true
	}
	copy(r.bytes(uint64(len(init))), init)
	m.Bytes = r.bytes(uint64(len(init)))
	m.res = r
	r.cleanup = runtime.AddCleanup(m, (*reservation).release, r)
	return nil
}

// mapImage maps img read+write, private, over the pages at at, which
// lie in a reservation this package mapped.
func mapImage(at *byte, img ImageFile) error {
	// MAP_FIXED replaces the reservation's PROT_NONE pages there, and
	// only those: at and img.Size lie inside the reservation.
	_, err := unix.MmapPtr(img.FD, 0, unsafe.Pointer(at), uintptr(img.Size),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	return err
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
	if r.slot != nil {
		return r.slot.Commit(from, to)
	}
	off := uint64(r.base()-uintptr(unsafe.Pointer(&r.mem[0]))) + from
	return unix.Mprotect(r.mem[off:off+to-from], unix.PROT_READ|unix.PROT_WRITE)
}

// release unregisters and unmaps the reservation and returns its space.
// Unregistering comes first: once unmapped, the addresses may be handed
// to someone else.
func (r *reservation) release() {
	if r.mem == nil {
		return
	}
	if r.slot != nil {
		// The record may be the slot's own, the next holder's as soon
		// as the slot is free: it is done with first.
		slot, n := r.slot, r.length
		if r.hold != nil {
			r.hold.res, r.hold = nil, nil
		}
		r.mem = nil
		slot.Free(n, false)
		return
	}
	if r.trap {
		sigtrap.UnregisterReservation(uintptr(unsafe.Pointer(&r.mem[0])), uintptr(len(r.mem)))
	}
	total := uint64(len(r.mem))
	_ = unix.Munmap(r.mem)
	r.mem = nil
	releaseSpace(total, int(r.maps))
}

// growMapped commits the pages of a grow to newLen bytes.
func (m *Memory) growMapped(newLen uint64) bool {
	if newLen > m.res.layout.Reserve || m.res.commit(uint64(len(m.Bytes)), newLen) != nil {
		return false
	}
	m.Bytes = m.res.bytes(newLen)
	m.res.length = newLen
	return true
}

// Free releases m's reservation now: m is closed (see Release) and its
// address space goes back at once. Nothing may use m's old address
// afterwards: no code bound to it may run again, and no view from Bytes
// may be read.
func (m *Memory) Free() {
	if m.res != nil {
		m.res.cleanup.Stop()
		// Unmapped, or reset by its slot's owner: no need to empty the
		// pages first.
		m.res.release()
		m.res = nil
	}
	m.Bytes, m.Limit = nil, 0
}

// FreeUnwritten is Free for a memory whose owner knows that no call into
// its store ran while it lived, so that only what Written records could
// have written its bytes: when Written is unset, a memory in a slot tells
// the slot that nothing was written (its length as 0), and the slot skips
// its reset, its pages holding what they held when the memory took it.
func (m *Memory) FreeUnwritten() {
	if m.Written || m.res == nil || m.res.slot == nil {
		m.Free()
		return
	}
	m.res.length = 0
	m.Free()
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
	if m.res.slot != nil {
		m.res.slot.Revoke(n)
		m.res.length = 0
		return
	}
	off := uint64(m.res.base() - uintptr(unsafe.Pointer(&m.res.mem[0])))
	b := m.res.mem[off : off+n]
	_ = unix.Mprotect(b, unix.PROT_NONE)
	_ = unix.Madvise(b, unix.MADV_DONTNEED)
}

// Base is the address of byte 0 of a memory mapped with MapNative (0 before).
func (m *Memory) Base() uintptr {
	if m.res == nil {
		return 0
	}
	return m.res.base()
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

// base is byte 0's address: the mapping is outside the Go heap and stays
// put until released.
func (r *reservation) base() uintptr { return uintptr(unsafe.Pointer(r.byte0)) }

func roundUp(n, page uint64) uint64 { return (n + page - 1) &^ (page - 1) }
