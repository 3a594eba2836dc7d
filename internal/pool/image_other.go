//go:build !linux

package pool

import "errors"

// Image is a memory's initial contents mapped copy-on-write into each
// instance; only Linux (memfd) has them.
type Image struct{}

// NewImage fails: the platform has no memfd.
func NewImage(Plan, uint64) (*Image, error) {
	return nil, errors.New("pool: memory images need memfd (Linux)")
}

// FD is -1.
func (*Image) FD() int { return -1 }

// Size is 0.
func (*Image) Size() uint64 { return 0 }

// Close does nothing.
func (*Image) Close() error { return nil }
