package amd64

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadClock is the calling thread's CPU time.
func threadClock() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// currentThread identifies the calling thread.
func currentThread() int { return unix.Gettid() }
