//go:build linux

package gcheap

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// reserve maps size bytes of address space for the heap, committed by the
// kernel page by page on first touch (MAP_NORESERVE), outside the Go heap.
// The heap never moves: mem is a view of the whole reservation.
func reserve(size uint64) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("gcheap: reserving %d bytes: %w", size, err)
	}
	return b, nil
}

// release unmaps a reservation.
func release(b []byte) { _ = unix.Munmap(b) }

// discard gives the pages of b back to the kernel; they read as zero after.
func discard(b []byte) bool { return unix.Madvise(b, unix.MADV_DONTNEED) == nil }

// growable is false: the reservation already spans the limit.
const growable = false
