//go:build !(linux && amd64)

package vm

import "context"

// Run reports ErrNativeUnsupported: this platform has no trampolines.
func (r *Runner) Run(ctx context.Context, c *Context, st *Stack, entry uintptr, vals []uint64) error {
	return ErrNativeUnsupported
}
