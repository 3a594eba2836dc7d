//go:build unix

package main

import (
	"syscall"
	"testing"
)

// raise sends sig to this process, as a supervisor would to moat serve.
func raise(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
		t.Fatal(err)
	}
}
