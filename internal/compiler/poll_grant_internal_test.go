package compiler

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/moat-run/moat/internal/cpuclock"
)

// BenchmarkPollGrant: a tight counting loop of 10 million polls (the
// worst case for their cost: a poll per add and branch) under fixed
// grants of polls between visits to Go, and under the pacer's grants
// sized in time (pacer). Reports ns per loop iteration, in wall time and
// in the CPU time of the benchmark's thread (which leaves out other
// processes on a shared machine).
func BenchmarkPollGrant(b *testing.B) {
	const src = `(module (func (export "count") (param i32) (result i32) (local i32)
	  (loop (br_if 0 (i32.ne (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (local.get 0))))
	  (local.get 1)))`
	const n = 10_000_000
	for _, grant := range []int64{1_000, 10_000, 100_000, 1 << 20, 1 << 24, 0} {
		name := fmt.Sprint(grant)
		if grant == 0 {
			name = "pacer"
		}
		b.Run(name, func(b *testing.B) {
			e, err := New(Config{PollInterval: grant})
			if err != nil {
				b.Skip(err)
			}
			m := parseForTest(b, src)
			code, err := e.Compile(m)
			if err != nil {
				b.Fatal(err)
			}
			st := bindForTest(b, e.(*compilerEngine), m, code)
			stack := make([]uint64, 1)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu := -threadCPU()
			for b.Loop() {
				stack[0] = n
				if err := (executor{}).Call(context.Background(), st.inst.Funcs[0], stack); err != nil || stack[0] != n {
					b.Fatal(err, stack[0])
				}
			}
			cpu += threadCPU()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/iter")
			b.ReportMetric(float64(cpu)/float64(b.N)/n, "cpu-ns/iter")
		})
	}
}

// threadCPU is the calling thread's CPU time in nanoseconds.
func threadCPU() int64 {
	d, _ := cpuclock.Thread()
	return int64(d)
}
