package main

import (
	"bytes"
	"go/format"
	"os"
	"testing"
)

// TestGeneratedIsCurrent fails when the generated files are not what
// hostgen generates now, so a change of the shapes cannot land without
// regenerating.
func TestGeneratedIsCurrent(t *testing.T) {
	for path, render := range map[string]func([]shape) []byte{
		"../../hostfunc_gen.go":      renderCode,
		"../../hostfunc_gen_test.go": renderTests,
	} {
		want, err := format.Source(render(shapes()))
		if err != nil {
			t.Fatal(err)
		}
		have, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s is stale: run `go generate github.com/moat-run/moat`", path)
		}
	}
}

// TestShapeCount: the number in doc.go.
func TestShapeCount(t *testing.T) {
	if n := len(shapes()); n != 376 {
		t.Errorf("%d shapes; doc.go says 376", n)
	}
}

// TestShapesDistinct: a type switch rejects duplicate cases, and a
// duplicate would mean the rule in doc.go is not what is generated.
func TestShapesDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range shapes() {
		typ := s.goType("*Caller")
		if seen[typ] {
			t.Errorf("duplicate shape %s", typ)
		}
		seen[typ] = true
	}
}
