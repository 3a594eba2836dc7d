package main

import (
	"bytes"
	"go/format"
	"os"
	"testing"
)

// TestGeneratedIsCurrent fails when opcodes_gen.go is not what opcodes.txt
// generates, so an edit of the table cannot land without regenerating.
func TestGeneratedIsCurrent(t *testing.T) {
	ops, err := parse("../../opcodes.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := format.Source(render(ops))
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../opcodes_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("internal/wasm/opcodes_gen.go is stale: run `go generate ./internal/wasm`")
	}
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"i32.add":                 "OpI32Add",
		"i32.trunc_sat_f32_s":     "OpI32TruncSatF32S",
		"v128.load8x8_s":          "OpV128Load8x8S",
		"f32x4.demote_f64x2_zero": "OpF32x4DemoteF64x2Zero",
		"memory.init":             "OpMemoryInit",
	} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}
