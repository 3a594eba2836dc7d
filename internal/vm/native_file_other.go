//go:build !linux

package vm

import (
	"errors"
	"os"
)

// FileMapping is a whole file mapped read-only (unsupported here).
type FileMapping struct{}

// MaxFileMapping bounds the files mapped.
const MaxFileMapping = 4 << 30

// MapFile reports ErrNativeUnsupported.
func MapFile(f *os.File, size int) (*FileMapping, error) { return nil, ErrNativeUnsupported }

func (m *FileMapping) Bytes() []byte { return nil }
func (m *FileMapping) Close() error  { return nil }

// ErrExecDenied is returned by MapFileCode when the system refuses to
// execute from the file.
var ErrExecDenied = errors.New("vm: the system does not allow executing code from this file")

// MapFileCode reports ErrNativeUnsupported.
func MapFileCode(f *os.File, off int64, size int, fileSize int64) (*Code, error) {
	return nil, ErrNativeUnsupported
}

func (c *Code) Contents() []byte { return nil }

// PageSize is the page size artifact code is aligned to.
func PageSize() int { return os.Getpagesize() }
