//go:build !linux

package amd64

import "time"

var clockStart = time.Now()

// threadClock is the time since the process started: without a thread
// CPU clock, phases are timed by the wall clock.
func threadClock() time.Duration { return time.Since(clockStart) }

// currentThread is 0: the thread is not known.
func currentThread() int { return 0 }
