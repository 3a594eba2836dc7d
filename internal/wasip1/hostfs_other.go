//go:build !linux

package wasip1

import "fmt"

// Host directory preopens need openat2 or the descriptor walk, which are
// implemented for Linux; elsewhere use an fs.FS preopen.
func openHostPreopen(path string) (node, error) {
	return nil, fmt.Errorf("wasi: preopen %s: host directories are supported on Linux only (use an fs.FS)", path)
}

// UseOpenat2 has nothing to switch off Linux.
func UseOpenat2(bool) bool { return false }
