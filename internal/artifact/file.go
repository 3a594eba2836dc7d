package artifact

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"

	"github.com/moat-run/moat/internal/vm"
)

// File is a verified artifact: its digest matched (and its signature, when
// keys were given) before anything else in it was read. Its bytes are
// either a read-only mapping of the file or memory the caller gave.
type File struct {
	Header  *Header
	data    []byte
	trailer *trailer
	// mapping and osFile are set when the artifact was opened from a file
	// that is safe to map (see Open).
	mapping *vm.FileMapping
	osFile  *os.File
	size    int64
}

// Load verifies the artifact in b. The File aliases b, which must not
// change while the File or anything made from it is in use.
func Load(b []byte, opts Options) (*File, error) {
	h, t, err := verify(b, opts)
	if err != nil {
		return nil, err
	}
	return &File{Header: h, data: b, trailer: t, size: int64(len(b))}, nil
}

// Open verifies the artifact in the file at path. When the file is safe to
// map (a regular file that only its owner, the current user or root, can
// write), its pages are used in place and shared with every other process
// that maps it; otherwise it is read into memory. Close the File when done,
// after TakeMapping if its contents stay in use.
func Open(path string, opts Options) (*File, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("artifact: %s is not a regular file", path)
	}
	size := fi.Size()
	if size > vm.MaxFileMapping {
		f.Close()
		return nil, errorf(FieldLength, "%d bytes, more than the %d an artifact may have", size, int64(vm.MaxFileMapping))
	}
	if size < int64(minSize) {
		// Too short to map usefully; read it so the error names what it is.
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		return Load(b, opts)
	}
	out := &File{osFile: f, size: size}
	if vm.NativeSupported && safeToMap(fi) {
		m, err := vm.MapFile(f, int(size))
		if err != nil {
			f.Close()
			return nil, err
		}
		out.mapping, out.data = m, m.Bytes()
	} else {
		out.data = make([]byte, size)
		if _, err := io.ReadFull(f, out.data); err != nil {
			f.Close()
			return nil, fmt.Errorf("artifact: reading %s: %w", path, err)
		}
	}
	out.Header, out.trailer, err = verify(out.data, opts)
	if err != nil {
		out.Close()
		return nil, err
	}
	return out, nil
}

// Section returns the contents of the section of kind k (nil when absent).
// They are read-only when the file is mapped.
func (f *File) Section(k SectionKind) []byte {
	s := f.Header.Section(k)
	if s == nil {
		return nil
	}
	return f.data[s.Offset : s.Offset+s.Size : s.Offset+s.Size]
}

// Signer returns the public key that signed the artifact (verified), or
// nil when it is unsigned.
func (f *File) Signer() ed25519.PublicKey {
	if !f.trailer.signed() {
		return nil
	}
	return append(ed25519.PublicKey(nil), f.trailer.Key[:]...)
}

// Size is the artifact's size in bytes.
func (f *File) Size() int64 { return f.size }

// Mapped reports whether the contents are a mapping of the file.
func (f *File) Mapped() bool { return f.mapping != nil }

// Code makes the code section executable: mapped in place from the file
// when the File is a mapping (read+execute, shared with other processes),
// else copied into a new code mapping. Either way the code is sealed
// before it is returned and is never writable while executable.
func (f *File) Code() (*vm.Code, error) {
	s := f.Header.Section(SectionCode)
	if s.Size == 0 {
		return nil, errorf(FieldHeader, "empty code section")
	}
	if f.mapping != nil && f.osFile != nil && vm.PageSize() <= CodeAlign {
		c, err := vm.MapFileCode(f.osFile, int64(s.Offset), int(s.Size), f.size)
		if err == nil {
			return c, nil
		}
		// A noexec mount or a policy that forbids executing file pages:
		// run a private copy instead.
	}
	return vm.MapCode(f.Section(SectionCode))
}

// TakeMapping hands the file mapping (nil when the contents were read into
// memory) to the caller, who must keep it open while anything made from
// the File (section contents, decoded data) is in use, and close it then.
func (f *File) TakeMapping() *vm.FileMapping {
	m := f.mapping
	f.mapping = nil
	return m
}

// Close closes the file and, unless taken, unmaps it.
func (f *File) Close() error {
	var err error
	if f.osFile != nil {
		err = f.osFile.Close()
		f.osFile = nil
	}
	if f.mapping != nil {
		f.mapping.Close()
		f.mapping = nil
	}
	return err
}
