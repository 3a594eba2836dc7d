package wasip1

import "runtime"

// proc_exit is procExit in funcs.go: it returns an *ExitError instead of an
// errno, so the engine unwinds the whole call stack.

// proc_raise is deprecated and has no meaning in a sandbox: like wasmtime,
// it is not supported.
func procRaise(*call, []uint64) Errno { return ENOSYS }

// sched_yield lets other goroutines run.
func schedYield(*call, []uint64) Errno {
	runtime.Gosched()
	return ESUCCESS
}
