package amd64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
)

// TestLowerPackedGolden compiles each testdata/lower/packed/NAME.ssa twice,
// for the SSE baseline and with AVX, and compares the listings with
// NAME.sse.golden and NAME.avx.golden (-update rewrites them).
func TestLowerPackedGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "lower", "packed", "*.ssa"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := ssa.Parse(string(src))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if err := ssa.Verify(f); err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		for _, mode := range []struct {
			name     string
			features Features
		}{{"sse", Features{}}, {"avx", Features{AVX: true, AVX2: true}}} {
			c, err := Compile(f, Options{Listing: true, Check: true, Features: mode.features})
			if err != nil {
				t.Errorf("%s (%s): %v", file, mode.name, err)
				continue
			}
			golden := strings.TrimSuffix(file, ".ssa") + "." + mode.name + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(c.Listing), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Errorf("%s: %v (run with -update)", golden, err)
				continue
			}
			if c.Listing != string(want) {
				t.Errorf("%s: listing differs from %s:\n%s", file, golden, c.Listing)
			}
		}
	}
}
