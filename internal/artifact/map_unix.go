//go:build unix

package artifact

import (
	"io/fs"
	"os"
	"syscall"
)

// safeToMap reports whether a mapping of the file can change only at the
// hands of someone who could change this process anyway: its owner is the
// current user or root, and neither its group nor others may write it. A
// mapping shows later writes to the file, so a file that another user can
// write is read into memory instead, where the verified bytes stay put.
func safeToMap(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	owner := int(st.Uid)
	return (owner == os.Getuid() || owner == 0) && fi.Mode().Perm()&0o022 == 0
}

// openFile opens path for reading without blocking, so that a FIFO or a
// device named as an artifact is refused (not a regular file) instead of
// hanging the open.
func openFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
