package vm

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-run/moat/internal/abi"
)

// BenchmarkBulkChunkGaps: the time between two checks of a 64 MiB
// memory.fill or memory.copy over fresh pages (each op on memory just
// mapped, as a guest's first pass over its memory) and over pages already
// touched: what a stop-the-world waits for a guest in a bulk operation.
// It reports the median, 90th percentile and largest gap.
func BenchmarkBulkChunkGaps(b *testing.B) {
	const size = 64 << 20
	ops := []struct {
		name string
		run  func(m []byte, check func() abi.TrapCode)
	}{
		{"fill", func(m []byte, check func() abi.TrapCode) { FillBytes(m[:size], 7, check) }},
		{"copy", func(m []byte, check func() abi.TrapCode) { CopyBytes(m[:size], m[size:], false, check) }},
	}
	for _, op := range ops {
		for _, fresh := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/fresh=%v", op.name, fresh), func(b *testing.B) {
				var gaps []time.Duration
				m := mapBench(b)
				if !fresh {
					op.run(m, func() abi.TrapCode { return abi.TrapNone })
				}
				for b.Loop() {
					if fresh {
						b.StopTimer()
						unix.Munmap(m)
						m = mapBench(b)
						b.StartTimer()
					}
					last := time.Now()
					op.run(m, func() abi.TrapCode {
						now := time.Now()
						gaps = append(gaps, now.Sub(last))
						last = now
						return abi.TrapNone
					})
				}
				unix.Munmap(m)
				slices.Sort(gaps)
				us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
				b.ReportMetric(us(gaps[len(gaps)/2]), "median-µs")
				b.ReportMetric(us(gaps[len(gaps)*9/10]), "p90-µs")
				b.ReportMetric(us(gaps[len(gaps)-1]), "max-µs")
			})
		}
	}
}

// mapBench maps 128 MiB of fresh anonymous memory, as a sandbox's.
func mapBench(b *testing.B) []byte {
	m, err := unix.Mmap(-1, 0, 128<<20, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
