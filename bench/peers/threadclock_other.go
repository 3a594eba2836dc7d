//go:build !linux

package peers

import "time"

// ThreadClock is the process's CPU time where the thread's is not read
// (CPUClock).
func ThreadClock() time.Duration { return CPUClock() }
