//go:build !unix

package artifact

import "io/fs"

// safeToMap is false where files are not mapped.
func safeToMap(fs.FileInfo) bool { return false }
