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

// specV3NeedGC counts, per script of the WebAssembly 3.0 suite, the
// assertions that need garbage collection: their module declares struct or
// array types used by GC instructions, or they pass GC references. No
// engine runs GC yet, so these are counted apart from passed and failed;
// every other assertion of every script passes.
var specV3NeedGC = map[string]int{
	"bulk-memory/table_init": 1, // an arrayref table initialised by array.new_default
	"memory64/table_init64":  1, // the same, 64-bit
	"gc/array":               42,
	"gc/array_copy":          34,
	"gc/array_fill":          29,
	"gc/array_init_data":     44,
	"gc/array_init_elem":     33,
	"gc/array_new_data":      23,
	"gc/array_new_elem":      19,
	"gc/br_on_cast":          31,
	"gc/br_on_cast_fail":     31,
	"gc/extern":              16,
	"gc/i31":                 57,
	"gc/ref_cast":            40,
	"gc/ref_eq":              87,
	"gc/ref_test":            68,
	"gc/struct":              21,
	"gc/type-subtyping":      20,
}

// The 3.0 suite's totals (the same on both engines): 258 scripts.
const (
	specV3Files  = 258
	specV3Passed = 62001
)

// TestSpecV3 runs every script of the WebAssembly 3.0 suite
// ($MOAT_SPECTEST_V3, default ../shared/spectest/v3/wast) on each engine
// with every 3.0 feature on: no assertion may fail, and the ones that
// need garbage collection must be exactly those counted in specV3NeedGC.
func TestSpecV3(t *testing.T) {
	dir := testsuite.SpecV3(t)
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			engine, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				if kind == moat.EngineCompiler {
					t.Skipf("compiler engine: %v", err)
				}
				t.Fatal(err)
			}
			total := runSpecV3(t, dir, files, engine)
			if len(files) == specV3Files && (total.Passed != specV3Passed || total.Failed != 0) {
				t.Errorf("3.0 suite: %s; want %d passed, 0 failed", total.String(), specV3Passed)
			}
		})
	}
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
// checking failures and the GC counts, and returns the totals.
func runSpecV3(t *testing.T, dir string, files []string, engine *moat.Engine) spectest.Result {
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
			if r.NeedGC != specV3NeedGC[name] {
				t.Errorf("%d assertions need GC, want %d", r.NeedGC, specV3NeedGC[name])
			}
		})
	}
	if len(files) == specV3Files {
		for name := range specV3NeedGC {
			if !seen[name] {
				t.Errorf("%s: no such script", name)
			}
		}
	}
	t.Logf("3.0 spec suite on the %s: %s", engine.Config().Engine, total.String())
	return total
}
