//go:build !linux

package vm

// osYield: no thread yield here; runtime.Gosched alone (osyield_linux.go).
func osYield() {}
