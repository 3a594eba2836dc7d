package peers

import (
	"time"

	"golang.org/x/sys/unix"
)

// ThreadClock is the calling thread's CPU time. Measure runs each program
// on a goroutine locked to its thread, and the guest's region runs on it
// (host calls come back on the same goroutine, and wasmtime-go calls in on
// the same thread), so the region excludes every other thread's work:
// the Go runtime's background collection, other engines' threads, moat's
// epoch ticker.
func ThreadClock() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}
