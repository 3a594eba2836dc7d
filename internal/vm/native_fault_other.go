//go:build !(linux && amd64)

package vm

// EnableFaultTraps reports ErrNativeUnsupported: there is no signal
// handler here.
func EnableFaultTraps() error { return ErrNativeUnsupported }

// EnsureFaultTraps reports ErrNativeUnsupported.
func EnsureFaultTraps() error { return ErrNativeUnsupported }

// FaultTrapsSupported reports whether EnableFaultTraps can work here.
const FaultTrapsSupported = false
