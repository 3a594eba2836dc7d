//go:build !unix

package wasi_test

import "time"

// inodeState: without a Unix stat, the tree's state is its modes, sizes
// and contents only.
func inodeState(string) (nlink, ino uint64, ctime time.Time) { return 0, 0, time.Time{} }
