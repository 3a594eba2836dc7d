package vm

import "golang.org/x/sys/unix"

// threadCPUTime is the calling thread's CPU time in nanoseconds (0 when
// the clock cannot be read). Lanes count a call's slices by it (lanes.go):
// a guest's goroutine stays on one thread between two of its slice ends
// unless it blocked in between, and then the difference is bounded by the
// wall time anyway.
func threadCPUTime() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}
