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

// The 3.0 suite's totals on the interpreter: 258 scripts.
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
				t.Errorf("%d assertions need GC, want 0", r.NeedGC)
			}
		})
	}
	for _, name := range []string{"gc/struct", "gc/array", "gc/ref_cast", "gc/i31", "gc/extern", "gc/type-subtyping"} {
		if !seen[name] {
			t.Errorf("%s: no such script", name)
		}
	}
	t.Logf("3.0 spec suite: %s", total.String())
	if len(files) == specV3Files && (total.Passed != specV3Passed || total.Failed != 0) {
		t.Errorf("3.0 suite: %s; want %d passed, 0 failed", total.String(), specV3Passed)
	}
}
