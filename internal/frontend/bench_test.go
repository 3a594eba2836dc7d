package frontend

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
)

// BenchmarkTranslateOptimize measures the middle of the pipeline alone:
// Translate and ssa.Optimize of every function of the modules that
// internal/compiler's BenchmarkCompileBenchModules compiles, on one core,
// reusing one Translator as a compiler worker does.
func BenchmarkTranslateOptimize(b *testing.B) {
	dir := os.Getenv("MOAT_BENCH")
	if dir == "" {
		root, err := testsuite.RepoRoot()
		if err != nil {
			b.Skip(err)
		}
		dir = filepath.Join(root, "..", "shared", "bench")
	}
	for _, name := range []string{"regex", "bz2", "pulldown-cmark", "shootout/shootout-sieve"} {
		path := filepath.Join(dir, name, "benchmark.wasm")
		if filepath.Dir(name) == "shootout" {
			path = filepath.Join(dir, name+".wasm")
		}
		if _, err := os.Stat(path); err != nil {
			b.Skipf("bench modules not found (set MOAT_BENCH): %v", err)
		}
		m, ok := loadValid(b, path)
		if !ok {
			b.Fatalf("%s: not a valid module", path)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			var tr Translator
			for b.Loop() {
				for i := range m.Code {
					f, err := tr.Translate(m, m.NumImportedFuncs+uint32(i), nil)
					if err != nil {
						b.Fatal(err)
					}
					ssa.Optimize(f)
				}
			}
		})
	}
}
