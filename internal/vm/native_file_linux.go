//go:build linux

package vm

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Artifact files are used in place: the file is mapped read-only, and its
// code section is mapped a second time and made executable, so the pages
// of an artifact that many processes run exist once, in the page cache.
// Both mappings are MAP_PRIVATE and never writable, so nothing is ever
// copied; the generated code holds no absolute address (it is
// position-independent and reaches everything else through the context),
// so nothing needs patching either.
//
// A mapping reflects the file's current contents, so the file must not be
// rewritten in place while mapped: moat replaces artifacts by rename, and
// the loader maps only files that no other unprivileged user can write
// (see internal/artifact). Truncating a mapped file would make reads past
// its new end fault.

// FileMapping is a whole file mapped read-only and private.
type FileMapping struct {
	mem []byte
}

// MaxFileMapping bounds the files mapped, like MaxCodeSize bounds code.
const MaxFileMapping = 4 << 30

// MapFile maps the first size bytes of f read-only.
func MapFile(f *os.File, size int) (*FileMapping, error) {
	if size <= 0 || size > MaxFileMapping {
		return nil, fmt.Errorf("vm: file size %d out of range (1..%d)", size, MaxFileMapping)
	}
	n := uint64(roundToPage(size))
	mem, err := mapFileCharged("an artifact file", n, fileMappings, func() ([]byte, error) {
		return unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_PRIVATE)
	})
	if err != nil {
		return nil, fmt.Errorf("vm: mapping %s: %w", f.Name(), err)
	}
	return &FileMapping{mem: mem}, nil
}

// mapFileCharged charges a mapping of a file against the default limits
// and makes it, returning the charge if mmap fails. Unlike mapReserved it
// neither collects garbage nor retries: a file that cannot be mapped (a
// file system without mmap) is refused as it is, and only ENOMEM is
// reported as the address space being exhausted.
func mapFileCharged(what string, bytes uint64, maps int, mmap func() ([]byte, error)) ([]byte, error) {
	if err := reserveSpace(Limits{}, what, bytes, maps); err != nil {
		return nil, err
	}
	mem, err := mmap()
	if err != nil {
		releaseSpace(bytes, maps)
		if errors.Is(err, unix.ENOMEM) {
			return nil, spaceFailed(what, bytes, maps, err)
		}
		return nil, err
	}
	return mem, nil
}

// Bytes is the file's contents; valid until Close, and read-only (a write
// faults).
func (m *FileMapping) Bytes() []byte { return m.mem }

// Close unmaps the file. Nothing may use Bytes afterwards.
func (m *FileMapping) Close() error {
	if m == nil || m.mem == nil {
		return nil
	}
	releaseSpace(uint64(roundToPage(len(m.mem))), fileMappings)
	err := unix.Munmap(m.mem)
	m.mem = nil
	return err
}

// ErrExecDenied is returned by MapFileCode when the system refuses to
// execute from the file (a noexec mount, a security policy): the caller
// can copy the code into anonymous memory instead (MapCode).
var ErrExecDenied = errors.New("vm: the system does not allow executing code from this file")

// MapFileCode maps size bytes of f from offset off as code and seals it
// (read+execute, never writable). off must be a multiple of the page size
// and the pages that hold the code must lie inside the file: the bytes after
// the code up to the page's end are executable too, so the file must fill
// them with padding (the artifact format pads with int3).
func MapFileCode(f *os.File, off int64, size int, fileSize int64) (*Code, error) {
	page := int64(unix.Getpagesize())
	if size <= 0 || size > MaxCodeSize {
		return nil, fmt.Errorf("vm: code size %d out of range (1..%d)", size, MaxCodeSize)
	}
	if off < 0 || off%page != 0 {
		return nil, fmt.Errorf("vm: code offset %d is not a multiple of the page size %d", off, page)
	}
	n := roundToPage(size)
	if off+int64(n) > fileSize {
		return nil, fmt.Errorf("vm: code pages [%d, %d) run past the end of the file (%d bytes)", off, off+int64(n), fileSize)
	}
	// Charged like any code mapping, which Close returns.
	mem, err := mapFileCharged("code", uint64(n), codeMappings, func() ([]byte, error) {
		return unix.Mmap(int(f.Fd()), off, n, unix.PROT_READ, unix.MAP_PRIVATE)
	})
	if err != nil {
		return nil, fmt.Errorf("vm: mapping code from %s: %w", f.Name(), err)
	}
	c := &Code{mem: mem, size: size}
	if err := c.Seal(); err != nil {
		c.Close()
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("%w (%s): %v", ErrExecDenied, f.Name(), err)
		}
		return nil, err
	}
	return c, nil
}

// Contents is the code's bytes, read-only (reading sealed code is allowed;
// writing faults). Valid until Close.
func (c *Code) Contents() []byte {
	if c.mem == nil {
		return nil
	}
	return c.mem[:c.size]
}

// PageSize is the system's page size: the alignment artifact code needs.
func PageSize() int { return unix.Getpagesize() }
