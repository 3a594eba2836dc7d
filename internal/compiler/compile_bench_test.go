package compiler_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/testsuite"
)

// BenchmarkCompileBenchModules compiles programs from ../shared/bench
// (MOAT_BENCH) with the compiler engine: the compile-time figure of the
// peers table, one module at a time.
func BenchmarkCompileBenchModules(b *testing.B) {
	for _, name := range []string{"regex", "bz2", "pulldown-cmark", "shootout/shootout-sieve", "shootout/shootout-base64", "shootout/shootout-ed25519", "shootout/shootout-minicsv"} {
		wasm := testsuite.BenchModule(b, name)
		b.Run(filepath.Base(name), func(b *testing.B) {
			e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
			if err != nil {
				b.Skip(err)
			}
			b.SetBytes(int64(len(wasm)))
			for b.Loop() {
				if _, err := e.Compile(wasm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompileCold is BenchmarkCompileBenchModules as the peers
// harness sees it: a fresh engine per compile, after collections that
// empty the pools of reusable compiler memory.
func BenchmarkCompileCold(b *testing.B) {
	for _, name := range []string{"shootout/shootout-ed25519", "shootout/shootout-base64", "regex"} {
		wasm := testsuite.BenchModule(b, name)
		b.Run(filepath.Base(name), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				runtime.GC()
				b.StartTimer()
				e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
				if err != nil {
					b.Skip(err)
				}
				if _, err := e.Compile(wasm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
