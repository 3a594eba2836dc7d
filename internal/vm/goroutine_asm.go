//go:build amd64 || arm64

package vm

// getg returns the address of the calling goroutine's g, read like the
// runtime's own assembly reads it (thread-local storage on amd64, the
// reserved g register on arm64).
func getg() uintptr

// readWord loads the word at addr. It is assembly so that reading the
// runtime's g (not Go-visible memory) involves no unsafe pointer
// conversion; addr must be readable.
func readWord(addr uintptr) uintptr

// currentGoroutine is the g pointer itself: a nanosecond.
func currentGoroutine() uintptr { return getg() }
