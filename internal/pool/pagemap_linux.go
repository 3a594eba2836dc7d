//go:build linux

package pool

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's page table entries as /proc/self/pagemap reports them, one
// 64-bit word per page (Documentation/admin-guide/mm/pagemap.rst).
const (
	pmPresent = 1 << 63
	pmSwapped = 1 << 62
	pmFile    = 1 << 61 // a file page (or shared anonymous), not a private copy
)

// pagemapFD is /proc/self/pagemap, opened once; -1 when it cannot be read
// (no /proc, or a sandbox that hides it).
var pagemapFD = sync.OnceValue(func() int {
	fd, err := unix.Open("/proc/self/pagemap", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	var probe [8]byte
	if _, err := unix.Pread(fd, probe[:], int64(uintptr(unsafe.Pointer(&probe[0]))/uintptr(unix.Getpagesize())*8)); err != nil {
		unix.Close(fd)
		return -1
	}
	return fd
})

// usePagemap is false in tests of the reset without the page map.
var usePagemap = true

// pageWords is how many pages one read of the page map covers.
const pageWords = 128

// pageEntries reads the page map's words for the pages of b (whole pages
// of size page, at most pageWords of them) into w, and reports whether it
// could.
func pageEntries(b []byte, page uint64, w *[pageWords]uint64) bool {
	if !usePagemap || len(b) == 0 {
		return false
	}
	fd := pagemapFD()
	if fd < 0 {
		return false
	}
	n := uint64(len(b)) / page
	// b lies in a pool's mapping, outside the Go heap; w is only written.
	off := int64(uint64(uintptr(unsafe.Pointer(&b[0]))) / page * 8)
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), n*8)
	got, err := unix.Pread(fd, buf, off)
	return err == nil && uint64(got) == n*8
}

// mayBeWritten reports whether the page a page map word describes may
// hold bytes written since it was last reset: it is in memory as a page
// of this process's own (written, or the kernel's zero page read), or
// swapped out (a written page the kernel moved away). A page never
// touched is absent and reads as zero (anonymous) or as the image (file),
// and a file page in memory is the sealed image's own, shared.
func mayBeWritten(w uint64) bool {
	return w&pmSwapped != 0 || (w&pmPresent != 0 && w&pmFile == 0)
}
