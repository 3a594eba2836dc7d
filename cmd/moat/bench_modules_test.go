package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/testsuite"
)

// The benchmark modules in ../shared/bench (sightglass programs: WASI plus
// bench.start/bench.end imports) must run to completion under `moat run`
// with their expected output, the way sightglass runs them: the
// benchmark's folder preopened as "/" (a temporary copy, since programs may
// write), no arguments beyond argv[0], an empty environment, and
// --default-values-unknown-imports for the bench.* imports.

// benchEnv overrides where the benchmark modules are; a relative value is
// relative to the repository root.
const benchEnv = "MOAT_BENCH"

// benchAllEnv, set to 1, also runs the modules that take long on the
// interpreter.
const benchAllEnv = "MOAT_BENCH_ALL"

// benchSlow are the modules that take 5 s or more each on the interpreter
// (on an idle 2-core machine: base64 5 s, matrix 6, sieve 7, minicsv 9,
// ctype 9, heapsort 11, fib2 17, ed25519 100, seqhash 120; about 5 minutes
// together), run only with MOAT_BENCH_ALL=1. The others take under a
// second each, about 5 s together.
var benchSlow = []string{
	"shootout-base64", "shootout-ctype", "shootout-ed25519", "shootout-fib2", "shootout-heapsort",
	"shootout-matrix", "shootout-minicsv", "shootout-seqhash", "shootout-sieve",
}

// benchCase is one benchmark module: its folder and the file names in it.
type benchCase struct {
	name, dir, module, stdout, stderr string
}

func benchDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(benchEnv)
	if dir == "" {
		dir = filepath.Join("..", "shared", "bench")
	}
	if !filepath.IsAbs(dir) {
		root, err := testsuite.RepoRoot()
		if err != nil {
			t.Skipf("benchmark modules not found: %v", err)
		}
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "noop", "benchmark.wasm")); err != nil {
		t.Skipf("benchmark modules not found at %s (set %s to the bench folder, absolute or relative to the repository root): %v",
			dir, benchEnv, err)
	}
	return dir
}

// benchCases lists the modules: DIR/benchmark.wasm for each folder, and
// each shootout-NAME.wasm in the shootout folder.
func benchCases(t *testing.T, root string) []benchCase {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []benchCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "benchmark.wasm")); err == nil {
			cases = append(cases, benchCase{e.Name(), dir, "benchmark.wasm", "benchmark.stdout.expected", "benchmark.stderr.expected"})
			continue
		}
		mods, _ := filepath.Glob(filepath.Join(dir, "*.wasm"))
		slices.Sort(mods)
		for _, m := range mods {
			base := strings.TrimSuffix(filepath.Base(m), ".wasm")
			cases = append(cases, benchCase{base, dir, base + ".wasm", base + ".stdout.expected", base + ".stderr.expected"})
		}
	}
	return cases
}

func TestBenchModules(t *testing.T) {
	root := benchDir(t)
	all := os.Getenv(benchAllEnv) == "1"
	for _, c := range benchCases(t, root) {
		t.Run(c.name, func(t *testing.T) {
			if !all && slices.Contains(benchSlow, c.name) {
				t.Skipf("slow on the interpreter; set %s=1 to run it", benchAllEnv)
			}
			if testing.Short() && c.name != "noop" {
				t.Skip("short mode runs only noop")
			}
			dir := filepath.Join(t.TempDir(), filepath.Base(c.dir))
			if err := os.CopyFS(dir, os.DirFS(c.dir)); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			start := time.Now()
			code := runWithStdin([]string{"--default-values-unknown-imports", "--dir", dir + "::/",
				filepath.Join(dir, c.module)}, strings.NewReader(""), &out, &errOut)
			t.Logf("%s: %v", c.name, time.Since(start).Round(time.Millisecond))
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, limitText(out.String()), limitText(errOut.String()))
			}
			compareExpected(t, "stdout", out.String(), filepath.Join(c.dir, c.stdout))
			compareExpected(t, "stderr", errOut.String(), filepath.Join(c.dir, c.stderr))
		})
	}
}

// compareExpected checks output against the file expected, when it exists.
func compareExpected(t *testing.T, stream, got, expected string) {
	t.Helper()
	want, err := os.ReadFile(expected)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\ngot:\n%s\nwant:\n%s", stream, filepath.Base(expected), limitText(got), limitText(string(want)))
	}
}

// limitText shortens long output in failure messages.
func limitText(s string) string {
	const most = 4000
	if len(s) > most {
		return s[:most] + "\n... (cut)"
	}
	return s
}
