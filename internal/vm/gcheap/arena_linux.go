//go:build linux

package gcheap

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// reserve maps the arena of a heap of limit bytes and, after it, the
// side tables for all of it (sideSize), committed by the kernel page by
// page on first touch (MAP_NORESERVE), outside the Go heap. Neither ever
// moves, and both read as zero until written, so the heap grows without
// allocating, copying or clearing anything: growing the side tables in
// the Go heap cleared 20 MiB at once for a 512 MiB array, 17-25 ms that
// neither the Go runtime nor a cancellation could interrupt.
func reserve(limit uint64) (arena, error) {
	b, err := unix.Mmap(-1, 0, int(limit+sideSize(limit)), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return arena{}, fmt.Errorf("gcheap: reserving %d bytes: %w", limit, err)
	}
	side := b[limit:]
	nlines := limit / LineSize
	nwords := limit / 8 / 64
	return arena{
		mapping: b,
		mem:     b[:limit:limit],
		lines:   side[:nlines:nlines],
		starts:  words(side[nlines : nlines+8*nwords]),
		marks:   words(side[nlines+8*nwords : nlines+16*nwords]),
	}, nil
}

// words views b as 64-bit words. b is part of an mmap'd reservation: 8-byte
// aligned (the mapping is page aligned and b's offset in it a multiple of
// 8, as the limit is a multiple of BlockSize), outside the Go heap (the Go
// collector ignores pointers into it), and unmapped only by
// release, after which the heap holds no view of it (Close empties the
// heap; the cleanup runs once the heap is unreachable).
func words(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
}

// release unmaps a reservation.
func release(b []byte) { _ = unix.Munmap(b) }

// discard gives the pages of b back to the kernel; they read as zero after.
func discard(b []byte) bool { return unix.Madvise(b, unix.MADV_DONTNEED) == nil }

// growable is false: the reservation already spans the limit, side tables
// included.
const growable = false
