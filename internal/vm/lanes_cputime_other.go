//go:build !linux

package vm

// threadCPUTime is 0 where the thread's CPU time is not read: lanes count
// a call's slices by wall time alone.
func threadCPUTime() int64 { return 0 }
