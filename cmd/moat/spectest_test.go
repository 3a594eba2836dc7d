package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/testsuite"
)

// TestSpectestCommand runs a small hand-made script with one passing and one
// failing assertion against examples/fib.wasm.
func TestSpectestCommand(t *testing.T) {
	dir := t.TempDir()
	wasmBytes, err := os.ReadFile(example("fib.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fib.0.wasm"), wasmBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `{"source_filename": "fib.wast", "commands": [
  {"type": "module", "line": 1, "filename": "fib.0.wasm"},
  {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "fib", "args": [{"type": "i32", "value": "10"}]}, "expected": [{"type": "i32", "value": "55"}]},
  {"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "fib_iter", "args": [{"type": "i32", "value": "10"}]}, "expected": [{"type": "i32", "value": "56"}]}
]}`
	if err := os.WriteFile(filepath.Join(dir, "fib.json"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMoat(t, "spectest", "--engine", "interp", dir)
	if code != exitFailure {
		t.Fatalf("code %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "1 passed, 1 failed, 0 skipped" {
		t.Errorf("last line %q, want the totals; output:\n%s", last, out)
	}
	if !strings.HasPrefix(lines[0], "fib ") || !strings.Contains(lines[0], "1 passed,    1 failed,   0 skipped") {
		t.Errorf("first line %q is not the per-file line", lines[0])
	}
	if !strings.Contains(out, "fib.json:3: assert_return") {
		t.Errorf("output lacks the failure line:\n%s", out)
	}
}

// TestSpectestSuite runs a few files of the real suite when it is present.
func TestSpectestSuite(t *testing.T) {
	root := testsuite.Spec(t)
	code, out, errOut := runMoat(t, "spectest", filepath.Join(root, "nop"), filepath.Join(root, "i32"), filepath.Join(root, "call"))
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	t.Logf("%s", out)
	if code != exitOK || !strings.Contains(lines[len(lines)-1], " passed, 0 failed, ") {
		t.Errorf("code %d; stderr %q", code, errOut)
	}
}
