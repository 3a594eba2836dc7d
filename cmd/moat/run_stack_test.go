package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

//go:generate env GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false "-ldflags=-s -w" -o testdata/deeprec/deeprec.wasm ./testdata/deeprec
//go:generate chmod 644 testdata/deeprec/deeprec.wasm

const deeprecWasm = "testdata/deeprec/deeprec.wasm"

// TestRunDeepGoRecursion: a Go program recursing 10,000 deep with large
// frames (as encoding/json's depth tests do) runs under the default stack
// limit on both engines, and traps "call stack exhausted" under a small
// -W max-wasm-stack.
func TestRunDeepGoRecursion(t *testing.T) {
	for _, eng := range engines(t) {
		code, out, errOut := runMoatStdin(t, "", "--engine", eng, deeprecWasm)
		if code != 0 || out != "depth 10000: 100.045583\n" || errOut != "" {
			t.Errorf("%s, default limit: exit %d, stdout %q, stderr %q", eng, code, out, errOut)
		}
		code, out, errOut = runMoatStdin(t, "", "--engine", eng, "-W", "max-wasm-stack=64K", deeprecWasm)
		if code != exitTrapped || out != "" || !strings.HasPrefix(errOut, "trap: call stack exhausted\n") {
			t.Errorf("%s, 64K: exit %d, stdout %q, stderr %.200q", eng, code, out, errOut)
		}
	}
}

func TestMaxWasmStackOption(t *testing.T) {
	for in, want := range map[string]int{"max-wasm-stack=8388608": 8 << 20, "max-wasm-stack=64K": 64 << 10, "max-wasm-stack=1": 1, "max-wasm-stack=1G": 1 << 30} {
		opts, _, err := parseRunArgs([]string{"-W", in, "m.wasm"})
		if err != nil || opts.maxWasmStack != want {
			t.Errorf("-W %s: %d, %v; want %d", in, opts.maxWasmStack, err, want)
		}
	}
	for _, bad := range []string{"max-wasm-stack=0", "max-wasm-stack=-1", "max-wasm-stack=2G", "max-wasm-stack=big", "max-wasm-stack"} {
		if _, _, err := parseRunArgs([]string{"-W", bad, "m.wasm"}); err == nil || !strings.Contains(err.Error(), "max-wasm-stack") {
			t.Errorf("-W %s: %v, want an error naming the option", bad, err)
		}
	}
}

// TestDeeprecUpToDate rebuilds deeprec.wasm (without VCS stamping) with
// this Go toolchain, when it is the one that built the committed binary, and
// compares them.
func TestDeeprecUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("building a GOOS=wasip1 binary takes a few seconds")
	}
	committed, err := os.ReadFile(deeprecWasm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(committed, []byte(runtime.Version())) {
		t.Skipf("%s was built by another Go toolchain than %s", deeprecWasm, runtime.Version())
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out := filepath.Join(t.TempDir(), "deeprec.wasm")
	cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./testdata/deeprec")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Errorf("%s is stale: run go generate ./cmd/moat", deeprecWasm)
	}
}
