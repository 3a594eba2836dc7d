package vm

// CurrentGoroutine returns a word that identifies the calling goroutine
// among the goroutines alive at the same time: one goroutine always gets the
// same word, and two goroutines alive at once never get the same word (a
// word may come back for a goroutine started after its owner exited). A
// store keeps the word of the goroutine running a call in it, so that a
// host function's own re-entry can be told from another goroutine's call.
func CurrentGoroutine() uintptr { return currentGoroutine() }
