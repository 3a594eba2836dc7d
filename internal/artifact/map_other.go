//go:build !unix

package artifact

import (
	"io/fs"
	"os"
)

// safeToMap is false where files are not mapped.
func safeToMap(fs.FileInfo) bool { return false }

// openFile opens path for reading.
func openFile(path string) (*os.File, error) { return os.Open(path) }
