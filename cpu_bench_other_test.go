//go:build !linux

package moat

// threadCPU is not measured here: cpu-ns/op is not reported.
func threadCPU() int64 { return 0 }
