package wasm3examples

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/fixture"
)

const (
	ledgerBinary    = "ledger/ledger.wasm"
	ledgerToolchain = "ledger/ledger.toolchain"
	ledgerTools     = "clang++, wasm-ld (lld), wasi-libc, compiler-rt, libc++ and libc++abi for wasm32 " +
		"(Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32 libc++abi-14-dev-wasm32)"
	// ledgerWasmOpt is the binaryen that translates the legacy exception
	// instructions clang 14 emits into try_table and exnref: npm's
	// binaryen@132.0.0 (Debian's 108 cannot).
	ledgerWasmOpt = "wasm-opt version 132 (version_132)"
)

// ledgerSources are compiled in this order and linked together.
var ledgerSources = []string{"ledger/cxxabi.cpp", "ledger/ledger.cpp"}

// ledgerWasmOptPath is the wasm-opt that builds ledger.wasm: $MOAT_WASM_OPT
// (e.g. node_modules/.bin/wasm-opt after npm install binaryen@132.0.0), else
// the one on PATH.
func ledgerWasmOptPath() string {
	if p := os.Getenv("MOAT_WASM_OPT"); p != "" {
		return p
	}
	return "wasm-opt"
}

// buildLedger builds ledger.wasm into dir: clang++ -O2 -fwasm-exceptions
// compiles each source (legacy exception instructions), clang++ links
// without an -O flag (so that it never runs a wasm-opt of its own) and
// drops the DWARF, then wasm-opt translates the exception instructions to
// WebAssembly 3.0's try_table and exnref and optimises (-O2), keeping the
// function names (-g) for backtraces.
func buildLedger(dir, wasmOpt string) (string, error) {
	var objects []string
	var steps [][]string
	for _, src := range ledgerSources {
		obj := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".cpp")+".o")
		objects = append(objects, obj)
		steps = append(steps, []string{"clang++", "--target=wasm32-wasi", "-std=c++17", "-O2", "-Wall", "-Wextra",
			"-fwasm-exceptions", "-c", src, "-o", obj})
	}
	legacy := filepath.Join(dir, "ledger.legacy.wasm")
	out := filepath.Join(dir, "ledger.wasm")
	steps = append(steps,
		append(append([]string{"clang++", "--target=wasm32-wasi", "-fwasm-exceptions", "-Wl,--strip-debug"}, objects...), "-o", legacy),
		[]string{wasmOpt, "--enable-exception-handling", "--enable-reference-types", "--enable-multivalue",
			"--translate-to-exnref", "-O2", "-g", legacy, "-o", out})
	for _, s := range steps {
		if msg, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, msg)
		}
	}
	return out, nil
}

// TestLedgerUpToDate rebuilds ledger.wasm and compares it with the
// committed one when this machine has the tools that built it
// (ledger.toolchain); otherwise it skips, saying why. With -update it
// rewrites the binary and the record, and fails when a tool is missing or
// wasm-opt is not binaryen 132.
func TestLedgerUpToDate(t *testing.T) {
	record, missing := fixture.CXXCompiler()
	wasmOpt := ledgerWasmOptPath()
	version := fixture.Version(wasmOpt)
	if version == "" {
		missing = append(missing, "wasm-opt (binaryen 132: npm install binaryen@132.0.0, then MOAT_WASM_OPT=node_modules/.bin/wasm-opt)")
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("cannot rebuild %s: %s not installed; it needs %s", ledgerBinary, strings.Join(missing, ", "), ledgerTools)
		if *update {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if version != ledgerWasmOpt {
		msg := fmt.Sprintf("%s is built by %s (npm install binaryen@132.0.0, then MOAT_WASM_OPT=node_modules/.bin/wasm-opt); %s is %q",
			ledgerBinary, ledgerWasmOpt, wasmOpt, version)
		if *update {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	record += "wasm-opt: " + version + "\n"
	if !*update {
		committed, err := os.ReadFile(ledgerToolchain)
		if err != nil {
			t.Fatal(err)
		}
		if string(committed) != record {
			t.Skipf("%s was built by other tools than this machine's; built by:\n%s\nhere:\n%s", ledgerBinary, committed, record)
		}
	}
	out, err := buildLedger(t.TempDir(), wasmOpt)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		fixture.CopyFile(t, out, ledgerBinary)
		if err := os.WriteFile(ledgerToolchain, []byte(record), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	fixture.SameFile(t, out, ledgerBinary)
}
