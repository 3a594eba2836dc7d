package cpuclock

import (
	"time"

	"golang.org/x/sys/unix"
)

// Thread is the CPU time the calling thread has used, and whether it could
// be read.
func Thread() (time.Duration, bool) {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

// ThreadID identifies the calling thread (0 where it is not known), so a
// caller can tell that two readings of Thread came from the same clock.
func ThreadID() int { return unix.Gettid() }
