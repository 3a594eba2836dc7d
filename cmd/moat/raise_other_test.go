//go:build !unix

package main

import (
	"runtime"
	"syscall"
	"testing"
)

// raise skips the test: a process cannot send itself a Unix signal on this
// platform.
func raise(t *testing.T, sig syscall.Signal) {
	t.Helper()
	t.Skipf("sending %v to this process is not supported on %s", sig, runtime.GOOS)
}
