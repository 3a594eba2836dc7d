package compiler_test

import (
	"os"
	"runtime/metrics"
	"testing"

	"github.com/moat-run/moat"
)

// BenchmarkCompileCollector compiles the Go wasip1 test binary at
// $MOAT_BENCH_GOWASM with a default compiler engine, as an embedder
// does (the collector on, at the process's GOGC), and reports besides
// the bytes and objects allocated per compile the collector's share of
// it: gc-cpu-ms/op, the collector's CPU time (marking, including the
// assists the compile's allocations pay, and the pauses; runtime/metrics
// /cpu/classes/gc/total), gc-share, that time over all the process's
// (both the runtime's estimates from wall time, not CPU time: load on the
// machine inflates the first and dilutes the share) and gc-cycles/op. One
// core:
//
//	MOAT_BENCH_GOWASM=regexp.test.wasm GOMAXPROCS=1 go test -run '^$' -bench CompileCollector -benchtime 3x ./internal/compiler
//
// Under callgrind a compile takes minutes and the runtime forces a
// collection every 2 minutes, so the collections counted there are more
// than a real compile's (docs/compiler.md, "Compile time").
func BenchmarkCompileCollector(b *testing.B) {
	path := os.Getenv("MOAT_BENCH_GOWASM")
	if path == "" {
		b.Skip("MOAT_BENCH_GOWASM names no Go wasip1 test binary")
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	// No timeout: under callgrind a compile takes minutes.
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, CompileBudget: moat.CompileBudget{Timeout: -1}})
	if err != nil {
		b.Skip(err)
	}
	samples := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	read := func() (gc, all float64, cycles uint64) {
		metrics.Read(samples)
		return samples[0].Value.Float64(), samples[1].Value.Float64(), samples[2].Value.Uint64()
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(wasm)))
	gc0, all0, cycles0 := read()
	for b.Loop() {
		if _, err := e.Compile(wasm); err != nil {
			b.Fatal(err)
		}
	}
	gc1, all1, cycles1 := read()
	b.ReportMetric((gc1-gc0)*1e3/float64(b.N), "gc-cpu-ms/op")
	b.ReportMetric((gc1-gc0)/(all1-all0), "gc-share")
	b.ReportMetric(float64(cycles1-cycles0)/float64(b.N), "gc-cycles/op")
}
