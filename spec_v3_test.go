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

// The 3.0 suite's totals: 258 scripts; on the interpreter, every assertion
// passes, garbage collection included; on the compiler, which refuses GC
// modules, every assertion of the scripts outside gc/ passes but those
// counted in specV3CompilerNeedGC.
const (
	specV3Files          = 258
	specV3Passed         = 62598
	specV3CompilerPassed = 61939
)

// specV3CompilerNeedGC counts, per script outside gc/, the assertions the
// compiler leaves aside because their module uses garbage collection.
var specV3CompilerNeedGC = map[string]int{
	"bulk-memory/table_init": 1, // an arrayref table initialised by array.new_default
	"memory64/table_init64":  1, // the same, 64-bit
}

// specV3GCDir holds the scripts of the GC proposal, which the compiler
// does not run: it refuses GC modules.
const specV3GCDir = "gc/"

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
	total, seen := runSpecV3(t, dir, files, engine, nil)
	for _, name := range []string{"gc/struct", "gc/array", "gc/ref_cast", "gc/i31", "gc/extern", "gc/type-subtyping"} {
		if !seen[name] {
			t.Errorf("%s: no such script", name)
		}
	}
	if len(files) == specV3Files && (total.Passed != specV3Passed || total.Failed != 0) {
		t.Errorf("3.0 suite: %s; want %d passed, 0 failed", total.String(), specV3Passed)
	}
}

// TestSpecV3Compiler runs the 3.0 suite on the compiler with every 3.0
// feature on, with guard pages and with explicit bounds checks: the
// scripts under gc/ are skipped by name (the compiler refuses GC modules);
// in every other script no assertion may fail, and the ones left aside as
// needing GC must be exactly those counted in specV3CompilerNeedGC.
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
		total, seen := runSpecV3(t, dir, files, engine, specV3CompilerNeedGC)
		for name := range specV3CompilerNeedGC {
			if len(files) == specV3Files && !seen[name] {
				t.Errorf("%s: no such script", name)
			}
		}
		if len(files) == specV3Files && (total.Passed != specV3CompilerPassed || total.Failed != 0) {
			t.Errorf("3.0 suite on the compiler: %s; want %d passed, 0 failed", total.String(), specV3CompilerPassed)
		}
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
	runSpecV3(t, dir, files, engine, specV3CompilerNeedGC)
}

// runSpecV3 runs files (scripts under dir) on engine, one subtest each,
// checking failures and that the assertions left aside as needing GC are
// exactly needGC's count for the script, and returns the totals and the
// scripts seen. With needGC non-nil the engine is the compiler, and the
// scripts under gc/ are skipped.
func runSpecV3(t *testing.T, dir string, files []string, engine *moat.Engine, needGC map[string]int) (spectest.Result, map[string]bool) {
	var total spectest.Result
	seen := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		name := strings.TrimSuffix(filepath.ToSlash(rel), ".wast")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			if needGC != nil && strings.HasPrefix(name, specV3GCDir) {
				t.Skip("garbage collection: the compiler refuses GC modules")
			}
			r := spectest.RunFile(context.Background(), f, spectest.Options{Engine: engine})
			total.Add(r)
			for i, fl := range r.Failures {
				if i == 40 {
					t.Errorf("... and %d more failures", len(r.Failures)-i)
					break
				}
				t.Error(fl.String())
			}
			if r.NeedGC != needGC[name] {
				t.Errorf("%d assertions need GC, want %d", r.NeedGC, needGC[name])
			}
		})
	}
	t.Logf("3.0 spec suite on the %s: %s", engine.Config().Engine, total.String())
	return total, seen
}
