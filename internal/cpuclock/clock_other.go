//go:build !linux

package cpuclock

import "time"

// Thread reports false: the thread's CPU time is not read here.
func Thread() (time.Duration, bool) { return 0, false }

// ThreadID is 0: the thread is not known.
func ThreadID() int { return 0 }
