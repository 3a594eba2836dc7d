package moat_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// churnSum is what testdata/gc/churn.wat's run returns: the payloads the
// ring holds at the end, each step i's list holding chain copies of i.
func churnSum(steps uint64, slots, chain uint32) uint64 {
	var sum uint64
	for i := steps - min(steps, uint64(slots)); i < steps; i++ {
		sum += i * uint64(chain)
	}
	return sum
}

// runChurn runs the churn guest on engine e and returns its store's GC
// statistics.
func runChurn(tb testing.TB, e *moat.Engine, steps uint64, slots, chain uint32) moat.GCStats {
	tb.Helper()
	src, err := os.ReadFile("testdata/gc/churn.wat")
	if err != nil {
		tb.Fatal(err)
	}
	m, err := e.CompileText(src)
	if err != nil {
		tb.Fatal(err)
	}
	s := moat.NewStore(e)
	defer s.Close()
	inst, err := s.Instantiate(context.Background(), m)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := inst.Func("run").Call(context.Background(), steps, uint64(slots), uint64(chain))
	if err != nil {
		tb.Fatal(err)
	}
	if want := churnSum(steps, slots, chain); r[0] != want {
		tb.Fatalf("checksum %d, want %d", r[0], want)
	}
	return s.GCStats()
}

// TestGCChurn: 64 MiB allocated in 32-byte nodes with about 4 MiB live,
// heap verified after every collection: the ring survives intact, the
// garbage is reclaimed (the heap stays far below what was allocated).
// On the compiler, the nodes live only in compiled frames and the ring
// while the collections run from the allocation exits.
func TestGCChurn(t *testing.T) {
	gcheap.SetVerify(true)
	eachEngine(t, moat.Config{MaxGCHeapBytes: 32 << 20}, func(t *testing.T, e *moat.Engine) {
		st := runChurn(t, e, 1<<20, 1<<15, 2)
		if st.AllocatedBytes < 64<<20 || st.Collections < 3 || st.HeapBytes > 32<<20 {
			t.Errorf("stats %+v", st)
		}
		if n, err := gcheap.VerifyFailures(); n != 0 {
			t.Fatalf("%d heap verifications failed, last: %v", n, err)
		}
	})
}

// BenchmarkGCChurn1GB is the pause-time benchmark: a guest that allocates
// 1 GiB in 32-byte objects over its life while keeping about 52 MiB live
// (a 4 MiB ring of 512Ki lists of three nodes). It reports the
// collections and their pauses: the store pauses only itself. It runs on
// each engine (interpreter, compiler).
//
//	go test -run '^$' -bench GCChurn1GB -benchtime 1x .
func BenchmarkGCChurn1GB(b *testing.B) {
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		e, err := moat.NewEngine(moat.Config{Engine: kind})
		if err != nil {
			b.Logf("%v: %v", kind, err)
			continue
		}
		b.Run(kind.String(), func(b *testing.B) { benchChurn(b, e) })
	}
}

func benchChurn(b *testing.B, e *moat.Engine) {
	for b.Loop() {
		st := runChurn(b, e, (1<<30)/32/3, 1<<19, 3)
		pct := func(ds []time.Duration, q float64) float64 {
			p := slices.Clone(ds)
			slices.Sort(p)
			return float64(p[int(q*float64(len(p)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(float64(st.Collections), "collections")
		b.ReportMetric(pct(st.Pauses, 0.5), "p50-pause-ms")
		b.ReportMetric(pct(st.Pauses, 0.99), "p99-pause-ms")
		b.ReportMetric(pct(st.Pauses, 1), "max-pause-ms")
		b.ReportMetric(float64(st.TotalPause.Milliseconds()), "total-pause-ms")
		b.ReportMetric(pct(st.PausesCPU, 0.5), "p50-pause-cpu-ms")
		b.ReportMetric(pct(st.PausesCPU, 1), "max-pause-cpu-ms")
		b.ReportMetric(float64(st.TotalPauseCPU.Milliseconds()), "total-pause-cpu-ms")
		b.ReportMetric(float64(st.LiveBytes)/(1<<20), "live-MiB")
		b.ReportMetric(float64(st.HeapBytes)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(st.AllocatedBytes)/(1<<20), "allocated-MiB")
	}
}
