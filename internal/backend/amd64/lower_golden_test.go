package amd64

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
)

// TestLowerGolden compiles each testdata/lower/NAME.ssa (one function in SSA
// text form) and compares the assembly listing with NAME.golden. Run with -update (the flag of encode_test.go) to rewrite them.
// A NAME ending in _avx is compiled with AVX and AVX2, the others for the
// SSE baseline; one ending in _ud2 with Options.FaultingUnreachable.
func TestLowerGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "lower", "*.ssa"))
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
		var feat Features
		if strings.HasSuffix(strings.TrimSuffix(file, ".ssa"), "_avx") {
			feat = Features{AVX: true, AVX2: true}
		}
		ud2 := strings.HasSuffix(strings.TrimSuffix(file, ".ssa"), "_ud2")
		c, err := Compile(f, Options{Listing: true, Check: true, Features: feat, FaultingUnreachable: ud2})
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		got := c.Listing
		golden := strings.TrimSuffix(file, ".ssa") + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (run with -update)", golden, err)
			continue
		}
		if got != string(want) {
			t.Errorf("%s: listing differs from %s:\n%s", file, golden, got)
		}
	}
}
