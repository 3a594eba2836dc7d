package moat_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/spectest"
)

// specDir finds the spec suite: $MOAT_SPECTEST, or ../shared/spectest/v2/json
// relative to the repository root.
func specDir(t *testing.T) string {
	if d := os.Getenv("MOAT_SPECTEST"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the repository root (go.mod)")
		}
		dir = parent
	}
	return filepath.Join(dir, "..", "shared", "spectest", "v2", "json")
}

// TestSpec runs the WebAssembly 2.0 spec suite, one subtest per file.
func TestSpec(t *testing.T) {
	dir := specDir(t)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("spec suite not found at %s (set MOAT_SPECTEST to the v2/json folder): %v", dir, err)
	}
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no *.json scripts under %s", dir)
	}
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	opts := spectest.Options{Engine: engine}
	var total spectest.Result
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			r := spectest.RunFile(context.Background(), f, opts)
			total.Passed += r.Passed
			total.Failed += r.Failed
			total.Skipped += r.Skipped
			const show = 40
			for i, fl := range r.Failures {
				if i == show {
					t.Errorf("... and %d more failures", len(r.Failures)-show)
					break
				}
				t.Error(fl.String())
			}
			t.Logf("%d passed, %d failed, %d skipped in %v", r.Passed, r.Failed, r.Skipped, r.Duration)
		})
	}
	t.Logf("spec suite: %s", total.String())
}
