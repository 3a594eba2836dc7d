package vm

// getg returns the address of the calling goroutine's g, read from
// thread-local storage like the runtime's own assembly does.
func getg() uintptr

// readWord loads the word at addr. It is assembly so that reading the
// runtime's g (not Go-visible memory) involves no unsafe pointer
// conversion; addr must be readable.
func readWord(addr uintptr) uintptr
