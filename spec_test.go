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

// TestSpec runs the WebAssembly 2.0 spec suite, one subtest per file.
func TestSpec(t *testing.T) {
	dir := testsuite.Spec(t)
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
