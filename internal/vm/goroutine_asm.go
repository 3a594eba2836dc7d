//go:build amd64 || arm64

package vm

// currentGoroutine returns the address of the runtime's descriptor of the
// calling goroutine (its g). The runtime allocates a g when it starts a
// goroutine and keeps it at the same address until the goroutine exits (a
// goroutine's stack moves as it grows; its g does not), and only then may
// hand it to a new goroutine: so the address has exactly the property
// CurrentGoroutine promises. Implemented in goroutine_$GOARCH.s.
//
//go:noescape
func currentGoroutine() uintptr
