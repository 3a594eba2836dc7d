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

// The ledger is built twice from the same sources, by two toolchains that
// reach WebAssembly 3.0's exceptions by different roads.
const (
	ledgerBinary        = "ledger/ledger.wasm"
	ledgerToolchain     = "ledger/ledger.toolchain"
	ledgerClang22Binary = "ledger/ledger_clang22.wasm"
	ledgerClang22Record = "ledger/ledger_clang22.toolchain"
	ehCheckBinary       = "ledger/eh_check.wasm"
	ehCheckRecord       = "ledger/eh_check.toolchain"

	ledgerLibs = "libc++ and libc++abi for wasm32 (Debian: libc++-14-dev-wasm32 libc++abi-14-dev-wasm32)"
	// ledgerWasmOpt is the binaryen that translates the legacy exception
	// instructions clang 14 emits into try_table and exnref: npm's
	// binaryen@132.0.0 (Debian's 108 cannot).
	ledgerWasmOpt = "wasm-opt version 132 (version_132)"
	wasmOptHint   = "npm install binaryen@132.0.0, then MOAT_WASM_OPT=$PWD/node_modules/.bin/wasm-opt"
)

// ledgerSources are compiled in this order and linked together. tag.cpp
// defines the C++ exception tag, which clang 14 defines itself in every
// object that throws or catches (and crashes assembling on its own), and
// clang 22 leaves to the runtime.
var (
	ledgerSources        = []string{"ledger/cxxabi.cpp", "ledger/ledger.cpp"}
	ledgerClang22Sources = []string{"ledger/tag.cpp", "ledger/cxxabi.cpp", "ledger/ledger.cpp"}
	ehCheckSources       = []string{"ledger/tag.cpp", "ledger/cxxabi.cpp", "ledger/eh_check.cpp"}
)

// ledgerWasmOptPath is the wasm-opt that builds ledger.wasm: $MOAT_WASM_OPT
// (e.g. node_modules/.bin/wasm-opt after npm install binaryen@132.0.0), else
// the one on PATH.
func ledgerWasmOptPath() string {
	if p := os.Getenv("MOAT_WASM_OPT"); p != "" {
		return p
	}
	return "wasm-opt"
}

// runSteps runs build commands in order.
func runSteps(steps [][]string) error {
	for _, s := range steps {
		if msg, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, msg)
		}
	}
	return nil
}

// compileSteps compiles each source into dir with clangxx and flags, and
// returns the steps and the objects.
func compileSteps(dir, clangxx string, sources, flags []string) (steps [][]string, objects []string) {
	for _, src := range sources {
		obj := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".cpp")+".o")
		objects = append(objects, obj)
		cmd := append([]string{clangxx}, flags...)
		steps = append(steps, append(cmd, "-c", src, "-o", obj))
	}
	return steps, objects
}

// buildLedger builds ledger.wasm into dir: clang++ (14) -O2
// -fwasm-exceptions compiles each source to the legacy exception
// instructions, clang++ links without an -O flag (so that it never runs a
// wasm-opt of its own) and drops the DWARF, then wasm-opt translates the
// exception instructions to try_table, throw_ref and exnref and optimises
// (-O2), keeping the function names (-g) for backtraces.
func buildLedger(dir, wasmOpt string) (string, error) {
	steps, objects := compileSteps(dir, "clang++", ledgerSources,
		[]string{"--target=wasm32-wasi", "-std=c++17", "-O2", "-Wall", "-Wextra", "-fwasm-exceptions"})
	legacy := filepath.Join(dir, "ledger.legacy.wasm")
	out := filepath.Join(dir, "ledger.wasm")
	steps = append(steps,
		append(append([]string{"clang++", "--target=wasm32-wasi", "-fwasm-exceptions", "-Wl,--strip-debug"}, objects...), "-o", legacy),
		[]string{wasmOpt, "--enable-exception-handling", "--enable-reference-types", "--enable-multivalue",
			"--translate-to-exnref", "-O2", "-g", legacy, "-o", out})
	return out, runSteps(steps)
}

// buildClang22 builds sources into dir/name: clang++-22 -O2
// -fwasm-exceptions with -wasm-use-legacy-eh=false emits try_table and
// exnref itself; it links (without -O, dropping the DWARF) against the same
// wasi-libc and libc++ (Debian's libc++-22-dev-wasm32 would replace the 14
// one the other programs build with), and no wasm-opt runs.
func buildClang22(dir string, sources []string, name string) (string, error) {
	steps, objects := compileSteps(dir, "clang++-22", sources,
		[]string{"--target=wasm32-wasi", "-Wno-deprecated", "-std=c++17", "-O2", "-Wall", "-Wextra", "-fwasm-exceptions",
			"-mllvm", "-wasm-use-legacy-eh=false"})
	out := filepath.Join(dir, name)
	steps = append(steps, append(append([]string{"clang++-22", "--target=wasm32-wasi", "-Wno-deprecated", "-fwasm-exceptions",
		"-Wl,--strip-debug"}, objects...), "-o", out))
	return out, runSteps(steps)
}

// TestLedgerUpToDate checks ledger.wasm (clang 14, then binaryen 132).
func TestLedgerUpToDate(t *testing.T) {
	record, missing := fixture.CXXCompilerOf("clang++")
	wasmOpt := ledgerWasmOptPath()
	version := fixture.Version(wasmOpt)
	problem := ""
	switch {
	case version == "":
		missing = append(missing, "wasm-opt (binaryen 132: "+wasmOptHint+")")
	case version != ledgerWasmOpt:
		problem = fmt.Sprintf("%s is built by %s (%s); %s is %q", ledgerBinary, ledgerWasmOpt, wasmOptHint, wasmOpt, version)
	}
	if len(missing) > 0 {
		problem = fmt.Sprintf("cannot rebuild %s: %s not installed; it needs clang++, wasm-ld (lld), wasi-libc, compiler-rt, %s "+
			"(Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32) and binaryen 132",
			ledgerBinary, strings.Join(missing, ", "), ledgerLibs)
	}
	record += "wasm-opt: " + version + "\n"
	fixture.Rebuild{
		Binary: ledgerBinary, Toolchain: ledgerToolchain, Record: record, Problem: problem,
		Build: func(dir string) (string, error) { return buildLedger(dir, wasmOpt) },
	}.Check(t, *update)
}

// TestLedgerClang22UpToDate checks ledger_clang22.wasm and eh_check.wasm
// (clang 22 alone).
func TestLedgerClang22UpToDate(t *testing.T) {
	record, missing := fixture.CXXCompilerOf("clang++-22")
	for _, b := range []struct {
		binary, toolchain string
		sources           []string
	}{
		{ledgerClang22Binary, ledgerClang22Record, ledgerClang22Sources},
		{ehCheckBinary, ehCheckRecord, ehCheckSources},
	} {
		t.Run(filepath.Base(b.binary), func(t *testing.T) {
			problem := ""
			if len(missing) > 0 {
				problem = fmt.Sprintf("cannot rebuild %s: %s not installed; it needs clang++-22, wasm-ld 22, wasi-libc, compiler-rt 22 and %s "+
					"(Debian: clang-22 lld-22 wasi-libc libclang-rt-22-dev-wasm32)", b.binary, strings.Join(missing, ", "), ledgerLibs)
			}
			fixture.Rebuild{
				Binary: b.binary, Toolchain: b.toolchain, Record: record, Problem: problem,
				Build: func(dir string) (string, error) {
					return buildClang22(dir, b.sources, filepath.Base(b.binary))
				},
			}.Check(t, *update)
		})
	}
}
