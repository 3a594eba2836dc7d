package testsuite

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchEnvVar names the folder of the benchmark programs (../shared/bench
// beside the repository root by default).
const BenchEnvVar = "MOAT_BENCH"

// BenchModule returns the bytes of benchmark program name from
// $MOAT_BENCH (default ../shared/bench beside the repository root): a
// folder's benchmark.wasm ("regex"), or a shootout module
// ("shootout/shootout-sieve"). It skips tb when the file is absent.
func BenchModule(tb testing.TB, name string) []byte {
	tb.Helper()
	dir := os.Getenv(BenchEnvVar)
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			tb.Skip(err)
		}
		dir = filepath.Join(root, "..", "shared", "bench")
	}
	path := filepath.Join(dir, name, "benchmark.wasm")
	if filepath.Dir(name) == "shootout" {
		path = filepath.Join(dir, name+".wasm")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("bench modules not found (set %s): %v", BenchEnvVar, err)
	}
	return b
}
