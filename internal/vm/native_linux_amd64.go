package vm

// enterNative runs generated code: see native_linux_amd64.s. c must be in
// the Go heap and fully set up (ResumeAddr, ExitSP, ExitBP, ExitStub,
// StackLimit and PollCounter); tail is stubs.enterTail. c escapes on
// purpose: generated code and other goroutines (interrupts) hold its address.
func enterNative(c *Context, tail uintptr)
