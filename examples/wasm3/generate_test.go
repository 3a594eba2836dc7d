package wasm3examples

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/fixture"

	"github.com/moat-run/moat"
)

// update rebuilds the committed binaries (go generate runs the tests with
// it) instead of comparing against them.
var update = flag.Bool("update", false, "rebuild calc.wasm, threaded.wasm, threaded_plain.wasm, ledger.wasm, ledger_clang22.wasm, eh_check.wasm and the toolchain records")

const (
	calcSource   = "calc/calc.wat"
	calcBinary   = "calc/calc.wasm"
	cSource      = "threaded/threaded.c"
	cBinary      = "threaded/threaded.wasm"
	cPlainBinary = "threaded/threaded_plain.wasm"
	cToolchain   = "threaded/threaded.toolchain"
	cTools       = "clang, wasm-ld (lld), wasi-libc and compiler-rt for wasm32 (Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32)"
)

// TestCalcUpToDate assembles calc.wat with moat's text assembler and
// compares the result with the committed calc.wasm.
func TestCalcUpToDate(t *testing.T) {
	src, err := os.ReadFile(calcSource)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := moat.Wat2Wasm(src)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(calcBinary, bin, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile(calcBinary)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bin, committed) {
		t.Errorf("%s is stale: run go generate ./examples/wasm3", calcBinary)
	}
}

// buildC builds threaded.c into dir, with tail calls or (plain) without:
// clang -O2 compiles, clang links without an -O flag (given one, clang
// would run wasm-opt whenever it is on PATH, so the bytes would depend on
// what is installed).
func buildC(dir string, plain bool) (string, error) {
	obj := filepath.Join(dir, "threaded.o")
	out := filepath.Join(dir, "threaded.wasm")
	cflags := []string{"--target=wasm32-wasi", "-O2", "-mtail-call"}
	if plain {
		cflags = []string{"--target=wasm32-wasi", "-O2", "-DPLAIN_CALLS"}
	}
	steps := [][]string{
		append(append([]string{"clang"}, cflags...), "-c", cSource, "-o", obj),
		{"clang", "--target=wasm32-wasi", obj, "-o", out},
	}
	for _, s := range steps {
		if msg, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, msg)
		}
	}
	return out, nil
}

// TestThreadedUpToDate rebuilds threaded.wasm and threaded_plain.wasm and
// compares them with the committed ones, when this machine has the tools
// that built them (threaded.toolchain); otherwise it skips, saying why.
func TestThreadedUpToDate(t *testing.T) {
	record, missing := fixture.CCompiler()
	if len(missing) > 0 {
		msg := fmt.Sprintf("cannot rebuild %s: %s not installed; it needs %s", cBinary, strings.Join(missing, ", "), cTools)
		if *update {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if !*update {
		committed, err := os.ReadFile(cToolchain)
		if err != nil {
			t.Fatal(err)
		}
		if string(committed) != record {
			t.Skipf("%s was built by other tools than this machine's; built by:\n%s\nhere:\n%s", cBinary, committed, record)
		}
	}
	for _, plain := range []bool{false, true} {
		out, err := buildC(t.TempDir(), plain)
		if err != nil {
			t.Fatal(err)
		}
		committed := cBinary
		if plain {
			committed = cPlainBinary
		}
		fresh, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			if err := os.WriteFile(committed, fresh, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(committed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, old) {
			t.Errorf("%s is stale: run go generate ./examples/wasm3", committed)
		}
	}
	if *update {
		if err := os.WriteFile(cToolchain, []byte(record), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
