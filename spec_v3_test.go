package moat_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/spectest"
	"github.com/moat-run/moat/internal/testsuite"
)

// The 3.0 suite's totals: 258 scripts; on either engine, every assertion
// passes, garbage collection included.
const (
	specV3Files  = 258
	specV3Passed = 62598
)

// TestSpecV3 runs every script of the WebAssembly 3.0 suite
// ($MOAT_SPECTEST_V3, default ../shared/spectest/v3/wast) on the
// interpreter with every 3.0 feature on, garbage collection included: no
// assertion may fail or be left aside as needing GC.
func TestSpecV3(t *testing.T) {
	dir := testsuite.SpecV3(t)
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter})
	if err != nil {
		t.Fatal(err)
	}
	total, seen := runSpecV3(t, dir, files, engine)
	checkSpecV3(t, "3.0 suite", files, total, seen)
}

// checkSpecV3 checks a whole run's totals and that the GC scripts ran.
func checkSpecV3(t *testing.T, what string, files []string, total spectest.Result, seen map[string]bool) {
	t.Helper()
	for _, name := range []string{"gc/struct", "gc/array", "gc/ref_cast", "gc/i31", "gc/extern", "gc/type-subtyping"} {
		if !seen[name] {
			t.Errorf("%s: no such script", name)
		}
	}
	if len(files) == specV3Files && (total.Passed != specV3Passed || total.Failed != 0) {
		t.Errorf("%s: %s; want %d passed, 0 failed", what, total.String(), specV3Passed)
	}
}

// TestSpecV3Compiler runs the 3.0 suite on the compiler with every 3.0
// feature on, garbage collection included, with guard pages and with
// explicit bounds checks: no assertion may fail or be left aside.
func TestSpecV3Compiler(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	dir := testsuite.SpecV3(t)
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	compilerModes(t, func(t *testing.T, cfg moat.Config) {
		cfg.DisabledFeatures = 0
		engine, err := moat.NewEngine(cfg)
		if err != nil {
			t.Fatal(err)
		}
		total, seen := runSpecV3(t, dir, files, engine)
		checkSpecV3(t, "3.0 suite on the compiler", files, total, seen)
	})
}

// TestSpecV3Baseline runs the 3.0 suite's SIMD scripts (relaxed SIMD
// included) on the compiler kept to the SSE baseline (MOAT_NO_AVX), whose
// relaxed results must be the same as with AVX.
func TestSpecV3Baseline(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	dir := testsuite.SpecV3(t)
	all, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if rel, _ := filepath.Rel(dir, f); strings.HasPrefix(rel, "simd") || strings.HasPrefix(rel, "relaxed-simd") {
			files = append(files, f)
		}
	}
	t.Setenv("MOAT_NO_AVX", "1")
	engine, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Fatal(err)
	}
	runSpecV3(t, dir, files, engine)
}

// runSpecV3 runs files (scripts under dir) on engine, one subtest each,
// checking that nothing fails or is left aside as needing GC, and returns
// the totals and the scripts seen.
func runSpecV3(t *testing.T, dir string, files []string, engine *moat.Engine) (spectest.Result, map[string]bool) {
	var total spectest.Result
	seen := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		name := strings.TrimSuffix(filepath.ToSlash(rel), ".wast")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			r := spectest.RunFile(context.Background(), f, spectest.Options{Engine: engine})
			total.Add(r)
			for i, fl := range r.Failures {
				if i == 40 {
					t.Errorf("... and %d more failures", len(r.Failures)-i)
					break
				}
				t.Error(fl.String())
			}
			if r.NeedGC != 0 {
				t.Errorf("%d assertions need GC", r.NeedGC)
			}
		})
	}
	t.Logf("3.0 spec suite on the %s: %s", engine.Config().Engine, total.String())
	return total, seen
}
