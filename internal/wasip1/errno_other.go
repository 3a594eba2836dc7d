//go:build !unix

package wasip1

import "syscall"

// errnoFromSyscall knows no host errno numbers off Unix; errnoOf then falls
// back to the portable fs errors.
func errnoFromSyscall(syscall.Errno) (Errno, bool) { return 0, false }
