//go:build !(linux && amd64)

package sigtrap

import "errors"

// Supported reports whether this platform has the handler.
const Supported = false

// Unexplained is the class of a fault the handler cannot explain.
const Unexplained = 0xFFFF

// ErrUnsupported is returned by Install here.
var ErrUnsupported = errors.New("sigtrap: no signal handler on this platform")

// SetFaultExit does nothing here.
func SetFaultExit(addr uintptr) {}

// Install reports ErrUnsupported.
func Install() error { return ErrUnsupported }

// Installed reports false.
func Installed() bool { return false }

// Ensure reports ErrUnsupported.
func Ensure() error { return ErrUnsupported }
