//go:build linux

package pool

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/vm"
)

// Image is a memory's initial contents in a sealed memfd, built once per
// module and mapped private (copy-on-write) at byte 0 of every instance's
// memory: an instance's writes stay in its own pages, the pages it never
// writes are shared with every other instance (and the page cache), and
// instantiating costs one mmap whatever the size of the data.
type Image struct {
	fd   int
	size uint64 // page multiple
	// data is the image's first bytes, up to the last byte written or
	// HeadLimit bytes, whichever is less (full: up to the last byte, so
	// everything past data is zero), or the whole image mapped read-only
	// when it is larger (mapView). A slot's reset restores pages of the
	// image it keeps resident from data (keep-resident reset), and a pool
	// in explicit mode copies a full image of at most its copy limit into
	// a slot instead of mapping it, so that it adds no kernel mapping.
	data []byte
	full bool
	// runs are the image's pages that hold data, in order and apart
	// (the segments' pages): the rest of the image is zero, so a copy
	// into a slot, whose pages are zero, writes only these.
	runs []pageRun
}

// pageRun is the pages [from, to) of an image, in bytes.
type pageRun struct{ from, to uint64 }

// CopyLimit is the smallest image a pool in explicit mode always copies
// instead of mapping (a pool that keeps more than CopyLimit bytes of a
// slot resident copies images of up to that many bytes). A copied image
// stays in a slot kept warm, restored in place at each reset, so the
// next instance of the same module finds it there; beyond what the reset
// keeps resident, every instantiation would copy it again, page faults
// included, where a mapped image costs nothing until touched: so larger
// images are mapped while the pool's share of mappings lasts
// (Slots.prepare).
const CopyLimit = 16 << 10

// HeadLimit bounds the image bytes kept in memory (Image.data) for
// restoring a slot's resident pages and for copying.
const HeadLimit = 256 << 10

// NewImage writes p's segments, in order, into a new memfd of p.Size
// rounded up to pageSize, and seals it so that nothing can write, grow or
// shrink it afterwards: mappings of it never change under an instance.
func NewImage(p Plan, pageSize uint64) (*Image, error) {
	size := (p.Size + pageSize - 1) &^ (pageSize - 1)
	if size == 0 {
		return nil, fmt.Errorf("pool: empty memory image")
	}
	fd, err := unix.MemfdCreate("moat-memory-image", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("pool: memfd_create: %w", err)
	}
	fail := func(what string, err error) (*Image, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("pool: memory image: %s: %w", what, err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		return fail("ftruncate", err)
	}
	for _, s := range p.Segments {
		for b, off := s.Bytes, int64(s.Offset); len(b) > 0; {
			n, err := unix.Pwrite(fd, b, off)
			if err != nil {
				return fail("pwrite", err)
			}
			b, off = b[n:], off+int64(n)
		}
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		return fail("sealing", err)
	}
	im := &Image{fd: fd, size: size, full: p.Size <= HeadLimit, runs: dataRuns(p, pageSize)}
	if !im.full && mapImageViews && im.mapView() {
		return im, nil
	}
	im.data = make([]byte, min(p.Size, HeadLimit))
	for _, s := range p.Segments {
		if s.Offset < uint64(len(im.data)) {
			copy(im.data[s.Offset:], s.Bytes)
		}
	}
	return im, nil
}

// mapImageViews is false in tests of large images without their view.
var mapImageViews = true

// mapView makes the whole of a large image its data: the memfd mapped
// read-only and shared (the page cache's pages, no copy), one mapping
// per image, so that a reset can restore any page of it in place and a
// copy reads it all from memory. The mapping goes once the Image is
// unreachable: slots that hold the image, and resets reading it, keep it.
func (im *Image) mapView() bool {
	if vm.ReserveSpace(vm.Limits{}, "a memory image's view", im.size, 1) != nil {
		return false
	}
	view, err := unix.Mmap(im.fd, 0, int(im.size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		vm.ReleaseSpace(im.size, 1)
		return false
	}
	im.data, im.full = view, true
	runtime.AddCleanup(im, func(view []byte) {
		_ = unix.Munmap(view)
		vm.ReleaseSpace(uint64(len(view)), 1)
	}, view)
	return true
}

// dataRuns is the pages of p's segments, sorted and merged.
func dataRuns(p Plan, pageSize uint64) []pageRun {
	runs := make([]pageRun, 0, len(p.Segments))
	for _, s := range p.Segments {
		runs = append(runs, pageRun{s.Offset &^ (pageSize - 1), (s.Offset + uint64(len(s.Bytes)) + pageSize - 1) &^ (pageSize - 1)})
	}
	slices.SortFunc(runs, func(a, b pageRun) int { return cmp.Compare(a.from, b.from) })
	merged := runs[:0]
	for _, r := range runs {
		if n := len(merged); n > 0 && r.from <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, r.to)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// copyTo writes the image's bytes from byte from on into dst, which holds
// zeros there (a slot's pages): the pages of its runs only, from data
// where it has them, else read from the memfd.
func (im *Image) copyTo(dst []byte, from uint64) error {
	for _, r := range im.runs {
		lo, hi := max(r.from, from), r.to
		if lo >= hi {
			continue
		}
		if hi <= uint64(len(im.data)) || (im.full && lo < uint64(len(im.data))) {
			copy(dst[lo:hi], im.data[lo:min(hi, uint64(len(im.data)))])
			continue
		}
		for b, off := dst[lo:hi], int64(lo); len(b) > 0; {
			n, err := unix.Pread(im.fd, b, off)
			if err != nil || n == 0 {
				return fmt.Errorf("pool: copying a memory image: %w", cmp.Or(err, io.ErrUnexpectedEOF))
			}
			b, off = b[n:], off+int64(n)
		}
	}
	return nil
}

// FD is the memfd (valid until Close).
func (im *Image) FD() int { return im.fd }

// Size is the image's length in bytes, a multiple of the page size.
func (im *Image) Size() uint64 { return im.size }

// head is the image's bytes from off for a page of n bytes: all of them
// but for the zeros past the returned slice; ok is false when data does
// not reach that far (the page can only be restored from the file).
func (im *Image) head(off, n uint64) (b []byte, ok bool) {
	switch l := uint64(len(im.data)); {
	case off+n <= l:
		return im.data[off : off+n], true
	case im.full && off < l:
		return im.data[off:], true
	case im.full:
		return nil, true
	}
	return nil, false
}

// copyable reports whether a pool in explicit mode whose copy limit is
// limit copies the image into a slot instead of mapping it.
func (im *Image) copyable(limit uint64) bool {
	return im.full && uint64(len(im.data)) <= limit
}

// Close closes the memfd. Mappings made from it stay valid.
func (im *Image) Close() error {
	if im.fd < 0 {
		return nil
	}
	err := unix.Close(im.fd)
	im.fd = -1
	return os.NewSyscallError("close", err)
}
