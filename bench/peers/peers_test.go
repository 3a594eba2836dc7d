package peers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgramsListsFoldersAndShootout(t *testing.T) {
	root := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bz2/benchmark.wasm", "")
	write("bz2/benchmark.stdout.expected", "ok\n")
	write("bz2/benchmark.stderr.expected", "")
	write("shootout/shootout-b.wasm", "")
	write("shootout/shootout-a.wasm", "")
	write("shootout/shootout-a.stdout.expected", "a\n")
	write("README.md", "")

	progs, err := Programs(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range progs {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "bz2,shootout-a,shootout-b" {
		t.Fatalf("programs = %s", got)
	}
	bz2, a, b := progs[0], progs[1], progs[2]
	if string(bz2.Stdout) != "ok\n" || bz2.Stderr == nil || len(bz2.Stderr) != 0 {
		t.Errorf("bz2 expectations: stdout %q, stderr %v", bz2.Stdout, bz2.Stderr)
	}
	if a.Module != "shootout-a.wasm" || string(a.Stdout) != "a\n" || a.Stderr != nil {
		t.Errorf("shootout-a: %+v", a)
	}
	if b.Stdout != nil || b.Stderr != nil {
		t.Errorf("shootout-b has no expectations, got %+v", b)
	}

	if err := bz2.checkOutput([]byte("ok\n"), nil); err != nil {
		t.Errorf("matching output rejected: %v", err)
	}
	if err := bz2.checkOutput([]byte("ok\n"), []byte("warning")); err == nil {
		t.Error("unexpected stderr accepted")
	}
	if err := b.checkOutput([]byte("anything"), []byte("at all")); err != nil {
		t.Errorf("program without expectations rejected output: %v", err)
	}
}

func TestRegionPairsStartAndEnd(t *testing.T) {
	var r region
	if _, err := r.elapsed(); err == nil {
		t.Error("no bench.start accepted")
	}
	r.start()
	if _, err := r.elapsed(); err == nil {
		t.Error("bench.start without bench.end accepted")
	}
	r.end()
	if _, err := r.elapsed(); err != nil {
		t.Error(err)
	}
}

func TestWriteTableRatiosAndMeans(t *testing.T) {
	engines := []Engine{{Name: "moat"}, {Name: "wazero"}, {Name: "wasmtime"}}
	ms := time.Millisecond
	rows := []Row{
		{"a", []Cell{{Compile: 10 * ms, Run: 20 * ms}, {Compile: 20 * ms, Run: 10 * ms}, {Compile: 10 * ms, Run: 10 * ms}}},
		{"b", []Cell{{Compile: 10 * ms, Run: 20 * ms}, {Compile: 5 * ms, Run: 40 * ms}, {Compile: 10 * ms, Run: 10 * ms}}},
		{"simd", []Cell{{Compile: ms, Run: 900 * ms, Note: "interpreter (SIMD)"}, {Compile: 9 * ms, Run: ms}, {Compile: 9 * ms, Run: ms}}},
		{"noop", []Cell{{Compile: ms, Run: time.Microsecond}, {Compile: ms, Run: 3 * time.Microsecond}, {Compile: ms, Run: 2 * time.Microsecond}}},
		{"broken", []Cell{{Err: errors.New("trap")}, {Compile: ms, Run: ms}, {Compile: ms, Run: ms}}},
	}
	var sb strings.Builder
	WriteTable(&sb, rows, engines)
	out := sb.String()
	t.Log("\n" + out)
	for _, want := range []string{
		"| a | 10.0 | 20.0 | 10.0 | 20.0 | 10.0 | 10.0 | 0.50 | 1.00 | 2.00 | 2.00 |",
		"| simd † |",
		// compile: a 0.5, b 2, noop 1 over wazero; run: a 2, b 0.5 (noop too short).
		"| **geometric mean** | | | | | | | **1.00** (3) | **1.00** (3) | **1.00** (2) | **2.00** (2) |",
		"† simd: moat ran on its interpreter (SIMD)",
		"FAILED broken on moat: trap",
		"| noop | 1.00 | 1.00 | 1.00 | 0.001 | 0.003 | 0.002 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
}

// TestNoopOnEveryEngine runs the one benchmark that takes no time on each
// engine available in this build, so `go test` checks the harness end to
// end without the cost of a benchmark run.
func TestNoopOnEveryEngine(t *testing.T) {
	root := os.Getenv("MOAT_BENCH")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "bench")
	}
	if _, err := os.Stat(filepath.Join(root, "noop", "benchmark.wasm")); err != nil {
		t.Skipf("benchmark modules not found at %s (set MOAT_BENCH): %v", root, err)
	}
	progs, err := Programs(root)
	if err != nil {
		t.Fatal(err)
	}
	progs = Filter(progs, func(name string) bool { return name == "noop" })
	var engines []Engine
	for _, e := range Engines() {
		if e.Unavailable != nil {
			t.Logf("%s: %v", e.Name, e.Unavailable)
			continue
		}
		engines = append(engines, e)
	}
	rows, err := Measure(progs, engines, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range rows[0].Cells {
		if c.Err != nil {
			t.Errorf("noop on %s: %v", engines[i].Name, c.Err)
		}
	}
}
