package compiler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/testsuite"
)

// BenchmarkCompileBenchModules compiles programs from ../shared/bench
// (MOAT_BENCH) with the compiler engine: the compile-time figure of the
// peers table, one module at a time.
func BenchmarkCompileBenchModules(b *testing.B) {
	dir := os.Getenv("MOAT_BENCH")
	if dir == "" {
		root, err := testsuite.RepoRoot()
		if err != nil {
			b.Skip(err)
		}
		dir = filepath.Join(root, "..", "shared", "bench")
	}
	for _, name := range []string{"regex", "bz2", "pulldown-cmark", "shootout/shootout-sieve", "shootout/shootout-base64"} {
		path := filepath.Join(dir, name, "benchmark.wasm")
		if filepath.Dir(name) == "shootout" {
			path = filepath.Join(dir, name+".wasm")
		}
		wasm, err := os.ReadFile(path)
		if err != nil {
			b.Skipf("bench modules not found (set MOAT_BENCH): %v", err)
		}
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
