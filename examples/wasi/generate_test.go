package wasiexamples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCBinaryUpToDate rebuilds tour_c.wasm when clang can target WASI and
// checks that the committed binary matches its source.
func TestCBinaryUpToDate(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("clang not installed; cannot check tour_c.wasm against tour.c")
	}
	out := filepath.Join(t.TempDir(), "tour_c.wasm")
	cmd := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-s", "-o", out, "tourc/tour.c")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("clang cannot build for wasm32-wasi here (install lld wasi-libc libclang-rt-14-dev-wasm32): %v\n%s", err, msg)
	}
	checkSame(t, out, "tourc/tour_c.wasm")
}

// TestGoBinaryUpToDate rebuilds tour_go.wasm (without VCS stamping, which
// would change with every commit) with this Go toolchain, when
// it is the one that built the committed binary, and compares them.
func TestGoBinaryUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("building a GOOS=wasip1 binary takes a few seconds")
	}
	committed, err := os.ReadFile("tourgo/tour_go.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(committed, []byte(runtime.Version())) {
		t.Skipf("tour_go.wasm was built by another Go toolchain than %s", runtime.Version())
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out := filepath.Join(t.TempDir(), "tour_go.wasm")
	cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./tourgo")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	checkSame(t, out, "tourgo/tour_go.wasm")
}

func checkSame(t *testing.T, fresh, committed string) {
	t.Helper()
	a, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s is stale: run go generate ./examples/wasi", committed)
	}
}
