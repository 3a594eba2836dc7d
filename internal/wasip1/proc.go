package wasip1

import "runtime"

// proc_exit is procExit in funcs.go: it returns an *ExitError instead of an
// errno, so the engine unwinds the whole call stack.

// proc_raise is deprecated and has no meaning in a sandbox: like wasmtime,
// it is not supported.
func procRaise(call, []uint64) Errno { return ENOSYS }

// sched_yield lets other goroutines run. A guest that spins on it ends
// with the interrupted trap once the call's context ends, from the host
// call itself rather than at the engine's next poll.
func schedYield(c call, _ []uint64) Errno {
	if c.ctx.Err() != nil {
		return errnoInterrupted
	}
	runtime.Gosched()
	return ESUCCESS
}
