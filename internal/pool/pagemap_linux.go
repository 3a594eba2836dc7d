//go:build linux

package pool

import (
	"errors"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// How a reset learns which pages of a slot may have been written, the
// best the kernel offers first.
type pageQuery int

const (
	// queryNone: no page map (no /proc, or a sandbox that hides it):
	// every page is taken as written.
	queryNone pageQuery = iota
	// queryRead: /proc/self/pagemap read, one 64-bit word per page; it
	// costs some 8 ns a page looked at, so a reset looks at a window.
	queryRead
	// queryScan: the page map's PAGEMAP_SCAN ioctl (Linux 6.7), which
	// walks the page tables in the kernel and returns only the runs of
	// pages that match; its cost follows the pages in memory, not the
	// length looked at, so a reset looks at the whole memory.
	queryScan
)

func (q pageQuery) String() string { return [...]string{"none", "read", "scan"}[q] }

// pageQueryLimit lowers the query the reset uses (tests of the older
// paths).
var pageQueryLimit = queryScan

// pageQueryMode is the query the reset uses.
func pageQueryMode() pageQuery { return min(pageQueryLimit, probedQuery()) }

// The kernel's page table entries as /proc/self/pagemap reports them, one
// 64-bit word per page (Documentation/admin-guide/mm/pagemap.rst).
const (
	pmPresent = 1 << 63
	pmSwapped = 1 << 62
	pmFile    = 1 << 61 // a file page (or shared anonymous), not a private copy
)

// pagemapFD is /proc/self/pagemap, opened once; -1 when it cannot be read.
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

// probedQuery is the best query this kernel answers, found once: a scan
// of a page of the Go heap, or a read of its word.
var probedQuery = sync.OnceValue(func() pageQuery {
	if pagemapFD() < 0 {
		return queryNone
	}
	probe := make([]byte, 2*unix.Getpagesize())
	page := uint64(unix.Getpagesize())
	start := (uint64(uintptr(unsafe.Pointer(&probe[0]))) + page - 1) &^ (page - 1)
	if _, _, err := new(pageScanner).scan(start, start+page, 1); err != nil {
		return queryRead
	}
	return queryScan
})

// pageWords is how many pages one read of the page map covers.
const pageWords = 128

// pageEntries reads the page map's words for the pages of b (whole pages
// of size page, at most pageWords of them) into w, and reports whether it
// could.
func pageEntries(b []byte, page uint64, w *[pageWords]uint64) bool {
	if len(b) == 0 {
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

// PAGEMAP_SCAN's interface (include/uapi/linux/fs.h): the ioctl's number,
// _IOWR('f', 16, struct pm_scan_arg), and the page categories it matches.
const (
	pagemapScan   = 0xc0606610
	pageIsFile    = 1 << 2
	pageIsPresent = 1 << 3
	pageIsSwapped = 1 << 4
	pageIsPFNZero = 1 << 5
)

// pmScanArg is struct pm_scan_arg.
type pmScanArg struct {
	size, flags, start, end, walkEnd, vec, vecLen, maxPages   uint64
	categoryInverted, categoryMask, categoryAnyof, returnMask uint64
}

// pageRegion is struct page_region: pages [start, end) of one category.
type pageRegion struct{ start, end, categories uint64 }

// scanRegions is how many runs of pages one scan returns at most.
const scanRegions = 32

// pageScanner is the memory a PAGEMAP_SCAN reads and writes. The kernel
// is handed its regions' address inside the argument, where Go cannot see
// a pointer, so it lives in the heap (never moved) and is kept alive over
// the call; scanners are reused through scanners, so a reset allocates
// nothing once every goroutine resetting at once has had one.
type pageScanner struct {
	arg     pmScanArg
	regions [scanRegions]pageRegion
}

var scanners FreeList[*pageScanner]

var errScanShort = errors.New("pool: PAGEMAP_SCAN stopped short")

// scan returns the runs of pages in [start, end) (addresses, page
// aligned) that may hold bytes written since they were last reset, in
// order, up to scanRegions runs or maxPages pages (0: no bound); next is
// where a further scan continues (end when the range is done). A page
// matches when it is in memory or swapped out, and neither a file's page
// (the sealed image's, shared) nor the kernel's zero page (only read):
// what mayBeWritten says of a page map word, the zero page besides.
func (s *pageScanner) scan(start, end, maxPages uint64) (runs []pageRegion, next uint64, err error) {
	return scanPages(&s.arg, s.regions[:], start, end, maxPages, false)
}

// scanPages is pageScanner.scan with the argument and the regions of the
// caller's, which keeps both alive over the call (in the Go heap, so never
// moved). raw makes the call without telling the Go scheduler (a batch's
// scan: see scanBatch).
func scanPages(arg *pmScanArg, regions []pageRegion, start, end, maxPages uint64, raw bool) (runs []pageRegion, next uint64, err error) {
	fd := pagemapFD()
	if fd < 0 {
		return nil, start, errScanShort
	}
	*arg = pmScanArg{
		size: uint64(unsafe.Sizeof(*arg)), start: start, end: end,
		vec: uint64(uintptr(unsafe.Pointer(&regions[0]))), vecLen: uint64(len(regions)), maxPages: maxPages,
		categoryInverted: pageIsFile | pageIsPFNZero, categoryMask: pageIsFile | pageIsPFNZero,
		categoryAnyof: pageIsPresent | pageIsSwapped, returnMask: pageIsPresent | pageIsSwapped,
	}
	call := unix.Syscall
	if raw {
		call = unix.RawSyscall
	}
	n, _, e := call(unix.SYS_IOCTL, uintptr(fd), pagemapScan, uintptr(unsafe.Pointer(arg)))
	if e != 0 {
		return nil, start, e
	}
	if n > uintptr(len(regions)) || arg.walkEnd < start || arg.walkEnd > end {
		return nil, start, errScanShort
	}
	return regions[:n], arg.walkEnd, nil
}
