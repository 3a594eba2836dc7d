package moat

import "github.com/moat-run/moat/internal/cpuclock"

// threadCPU is the calling thread's CPU time in nanoseconds (0 where it is
// not read: cpu-ns/op is then not reported). The machines the benchmarks
// run on are shared, and CPU time of a thread locked to the benchmark's
// goroutine leaves out the time other processes take.
func threadCPU() int64 {
	d, _ := cpuclock.Thread()
	return int64(d)
}
