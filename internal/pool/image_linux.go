//go:build linux

package pool

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
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
	// everything past data is zero). A slot's reset restores pages of the
	// image it keeps resident from data (keep-resident reset), and a pool
	// in explicit mode copies a full image of at most its copy limit into
	// a slot instead of mapping it, so that it adds no kernel mapping.
	data []byte
	full bool
}

// CopyLimit is the smallest image a pool in explicit mode always copies
// instead of mapping (a pool that keeps more than CopyLimit bytes of a
// slot resident copies images of up to that many bytes). A copied image
// stays in a slot kept warm, restored in place at each reset, so the
// next instance of the same module finds it there; beyond what the reset
// keeps resident, every instantiation would copy it again, page faults
// included, where a mapped image costs nothing until touched.
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
	im := &Image{fd: fd, size: size, full: p.Size <= HeadLimit}
	im.data = make([]byte, min(p.Size, HeadLimit))
	for _, s := range p.Segments {
		if s.Offset < uint64(len(im.data)) {
			copy(im.data[s.Offset:], s.Bytes)
		}
	}
	return im, nil
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
