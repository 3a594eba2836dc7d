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
		{"a", []Cell{{Compile: 10 * ms, Run: 20 * ms, Spread: 0.04, Reps: 5}, {Compile: 20 * ms, Run: 10 * ms, Reps: 5}, {Compile: 10 * ms, Run: 10 * ms, Reps: 5}}},
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
		"| a | 5 | 10.0 | 20.0 | 10.0 | 20.0 ±4% | 10.0 ±0% | 10.0 ±0% | 0.50 | 1.00 | 2.00 | 2.00 |",
		"| simd † |",
		// compile: a 0.5, b 2, noop 1 over wazero; run: a 2, b 0.5 (noop too short).
		"| **geometric mean** | | | | | | | | **1.00** (3) | **1.00** (3) | **1.00** (2) | **2.00** (2) |",
		"† simd: moat ran on its interpreter (SIMD)",
		"FAILED broken on moat: trap",
		"| noop | 0 | 1.00 | 1.00 | 1.00 | 0.001 ±0% | 0.003 ±0% | 0.002 ±0% |",
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
	// Two cells of three repetitions each (noop's region takes
	// microseconds, so MaxReps applies): every instance is fresh. Timed by
	// the wall clock, then by the thread's CPU time (the region must start
	// and end on the thread Measure locks the run to).
	defer func(c Clock) { RegionClock = c }(RegionClock)
	for _, clock := range []struct {
		name string
		c    Clock
	}{{"wall", WallClock}, {"thread", ThreadClock}} {
		RegionClock = clock.c
		rows, err := Measure(progs, engines, Options{Cells: 2, MinCell: time.Second, MaxReps: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range rows[0].Cells {
			if c.Err != nil {
				t.Errorf("%s clock: noop on %s: %v", clock.name, engines[i].Name, c.Err)
			}
			if c.Reps != 3 || c.Run < 0 {
				t.Errorf("%s clock: noop on %s: %d repetitions per cell (want 3), run %v", clock.name, engines[i].Name, c.Reps, c.Run)
			}
		}
	}
}

func TestRepsFillTheCell(t *testing.T) {
	ms := time.Millisecond
	opts := Options{Cells: 5, MinCell: 100 * ms, MaxReps: 200}
	for _, tc := range []struct {
		shortest time.Duration
		opts     Options
		want     int
	}{
		{300 * ms, opts, 1},
		{100 * ms, opts, 1},
		{99 * ms, opts, 2},
		{1300 * time.Microsecond, opts, 77},
		{10 * time.Microsecond, opts, 200},
		{0, opts, 200},
		{-1, opts, 1},
		{ms, Options{Cells: 5}, 1},
	} {
		if got := repsFor(tc.shortest, tc.opts); got != tc.want {
			t.Errorf("repsFor(%v, %+v) = %d, want %d", tc.shortest, tc.opts, got, tc.want)
		}
	}
}

func TestSpreadIsHalfTheRangeOverTheMedian(t *testing.T) {
	ms := time.Millisecond
	s := []Measurement{{Run: 10 * ms}, {Run: 9 * ms}, {Run: 11 * ms}, {Run: 10 * ms}, {Run: 12 * ms}}
	if got := spread(s, 10*ms); got != 0.15 {
		t.Errorf("spread = %v, want 0.15", got)
	}
	if got := spread(s[:1], 10*ms); got != 0 {
		t.Errorf("one sample: spread = %v, want 0", got)
	}
}

func TestRatioIsTheMedianOfTheCellsRatios(t *testing.T) {
	ms := time.Millisecond
	cells := func(runs ...time.Duration) Cell {
		var c Cell
		for _, r := range runs {
			c.Samples = append(c.Samples, Measurement{Compile: ms, Run: r})
		}
		c.Run = median(c.Samples, runOf)
		return c
	}
	// The machine's speed moved from cell to cell: the cells' ratios are
	// 0.5, 0.5 and 2, the medians' 3 ms / 5 ms.
	moat := cells(1*ms, 3*ms, 10*ms)
	peer := cells(2*ms, 6*ms, 5*ms)
	if r, ok := cellRatio(moat, peer, runOf); !ok || r != 0.5 {
		t.Errorf("ratio = %v, %v; want 0.5", r, ok)
	}
	// Without the same cells: the medians' ratio.
	peer.Samples = peer.Samples[:2]
	if r, ok := cellRatio(moat, peer, runOf); !ok || r != 0.6 {
		t.Errorf("ratio of medians = %v, %v; want 0.6", r, ok)
	}
}
