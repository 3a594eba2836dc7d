package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSpectestWast runs a .wast script directly, with every command kind.
func TestSpectestWast(t *testing.T) {
	script := filepath.Join("..", "..", "internal", "spectest", "testdata", "good.wast")
	code, out, errOut := runMoat(t, "spectest", "--engine", "interp", script)
	if code != 0 || !strings.HasSuffix(out, "21 passed, 0 failed, 0 skipped\n") || !strings.Contains(out, "good ") {
		t.Errorf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	wrong := filepath.Join("..", "..", "internal", "spectest", "testdata", "wrong.wast")
	code, out, _ = runMoat(t, "spectest", wrong)
	if code != exitFailure || !strings.Contains(out, "0 passed, 15 failed, 0 skipped") {
		t.Errorf("wrong.wast: code %d, stdout %q", code, out)
	}
}
