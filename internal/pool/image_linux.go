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
	// data is the contents up to the last byte written, kept for images
	// of at most CopyLimit bytes: a pool in explicit mode copies those into
	// a slot instead of mapping them, so that they add no kernel mapping.
	data []byte
}

// CopyLimit is the largest image a pool in explicit mode copies instead of
// mapping. Copying costs a page fault per page at every instantiation,
// where a mapped image in a warm slot costs nothing until touched: only a
// few pages are worth the mapping they save.
const CopyLimit = 16 << 10

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
	im := &Image{fd: fd, size: size}
	if p.Size <= CopyLimit {
		im.data = make([]byte, p.Size)
		for _, s := range p.Segments {
			copy(im.data[s.Offset:], s.Bytes)
		}
	}
	return im, nil
}

// FD is the memfd (valid until Close).
func (im *Image) FD() int { return im.fd }

// Size is the image's length in bytes, a multiple of the page size.
func (im *Image) Size() uint64 { return im.size }

// Close closes the memfd. Mappings made from it stay valid.
func (im *Image) Close() error {
	if im.fd < 0 {
		return nil
	}
	err := unix.Close(im.fd)
	im.fd = -1
	return os.NewSyscallError("close", err)
}
