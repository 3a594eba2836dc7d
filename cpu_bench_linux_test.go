//go:build linux

package moat

import "golang.org/x/sys/unix"

// threadCPU is the calling thread's CPU time in nanoseconds. The machines
// the benchmarks run on are shared, and CPU time of a thread locked to the
// benchmark's goroutine leaves out the time other processes take.
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return ts.Nano()
}
