package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

func TestWasmFeatureOptions(t *testing.T) {
	opts, _, err := parseRunArgs([]string{"-W", "tail-call=n,memory64=n", "-W", "exceptions=n", "-W", "exceptions", "m.wasm"})
	if err != nil {
		t.Fatal(err)
	}
	if want := moat.FeatureTailCall | moat.FeatureMemory64; opts.disabledFeatures != want {
		t.Errorf("disabled %v, want %v", opts.disabledFeatures, want)
	}
	// One row per feature, by Wasmtime's names.
	for _, name := range []string{"tail-call", "function-references", "exceptions", "multi-memory",
		"memory64", "relaxed-simd", "extended-const", "gc"} {
		if _, ok := lookupOption(wasmOptions, name); !ok {
			t.Errorf("no -W %s", name)
		}
		if _, _, err := parseRunArgs([]string{"-W", name + "=maybe", "m.wasm"}); err == nil {
			t.Errorf("-W %s=maybe accepted", name)
		}
	}
}

// TestRunFeatureOff: a module using tail calls runs by default and fails to
// compile, naming the feature, with -W tail-call=n.
func TestRunFeatureOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tail.wat")
	const wat = `(module
	  (func $count (export "count") (param i64) (result i64)
	    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 7))
	      (else (return_call $count (i64.sub (local.get 0) (i64.const 1)))))))`
	if err := os.WriteFile(path, []byte(wat), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMoat(t, "run", "--engine", "interp", "--invoke", "count", path, "1000000")
	if code != 0 || out != "7\n" {
		t.Fatalf("default: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runMoat(t, "run", "--engine", "interp", "-W", "tail-call=n", "--invoke", "count", path, "1")
	if code == 0 || !strings.Contains(errOut, "tail-call") {
		t.Fatalf("-W tail-call=n: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}
