package ssa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to Parse: it must never panic, and
// whatever it accepts must print, re-parse to the same text, and survive
// Verify and (when it verifies) the whole pipeline with verification.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.ssa"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			in, _, _ := strings.Cut(string(data), goldenSep)
			f.Add(in)
		}
	}
	f.Add("function %f() {\nblock0:\n    return\n}\n")
	f.Fuzz(func(t *testing.T, text string) {
		fn, err := Parse(text)
		if err != nil {
			return
		}
		out := fn.String()
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("printed form does not parse: %v\n%s", err, out)
		}
		if again.String() != out {
			t.Fatalf("round trip differs:\n%s\nvs\n%s", out, again.String())
		}
		if Verify(fn) != nil {
			return
		}
		if err := (Pipeline{Passes: DefaultPasses, Verify: true}).Run(fn); err != nil {
			t.Fatalf("%v\ninput:\n%s", err, out)
		}
	})
}
