//go:build !linux

package moat_test

// threadCPU is not measured here: cpu-ns/op is not reported.
func threadCPU() int64 { return 0 }
