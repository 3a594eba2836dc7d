//go:build !linux

package gcheap

import "time"

// threadCPU is unknown here: pauses have no CPU time.
func threadCPU() time.Duration { return 0 }
