package moat_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/spectest"
	"github.com/moat-run/moat/internal/testsuite"
)

// The full suite's totals: 147 scripts, 52125 assertions. The JSON
// conversion skips the 1091 assert_malformed of text modules (wast2json
// writes them as .wat files); the .wast originals run every one.
const (
	specFiles          = 147
	specJSONPassed     = 51034
	specJSONSkipped    = 1091
	specWastAssertions = 52125
)

// wasm20 turns every WebAssembly 3.0 feature off: the 2.0 suite tests 2.0's
// decoding and validation ("zero byte expected", "multiple memories", …),
// which 3.0 changed.
const wasm20 = moat.AllFeatures

// TestSpec runs the WebAssembly 2.0 spec suite as converted by wast2json on
// the interpreter, one subtest per file.
func TestSpec(t *testing.T) {
	dir := testsuite.Spec(t)
	total := runSpecFiles(t, dir, ".json", moat.Config{Engine: moat.EngineInterpreter, DisabledFeatures: wasm20}, nil)
	if len(total.Files) == specFiles {
		checkTotals(t, "JSON", total, specJSONPassed, specJSONSkipped)
	}
}

// TestSpecAuto runs the same suite on the default engine: the compiler
// where there is one (SIMD included), else the interpreter.
func TestSpecAuto(t *testing.T) {
	dir := testsuite.Spec(t)
	total := runSpecFiles(t, dir, ".json", moat.Config{DisabledFeatures: wasm20}, nil)
	if len(total.Files) == specFiles {
		checkTotals(t, "auto JSON", total, specJSONPassed, specJSONSkipped)
	}
}

// The non-SIMD part of the suite: every assertion of the 147 - 57 scripts
// that do not use v128 (the SIMD scripts are TestSpecCompilerSIMD's).
const (
	specCompilerPassed  = 26038
	specCompilerSkipped = 581
)

// boundsModes are the compiler's two ways of keeping accesses in bounds;
// the compiler's spec tests run in each.
var boundsModes = []moat.BoundsChecks{moat.BoundsChecksGuardPages, moat.BoundsChecksExplicit}

// compilerModes runs f once per bounds-check mode the compiler has here,
// as subtests named after the mode.
func compilerModes(t *testing.T, f func(t *testing.T, cfg moat.Config)) {
	for _, mode := range boundsModes {
		cfg := moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode, DisabledFeatures: wasm20}
		if _, err := moat.NewEngine(cfg); err != nil {
			t.Logf("compiler engine with %v bounds checks: %v", mode, err)
			continue
		}
		t.Run(strings.ReplaceAll(mode.String(), " ", "_"), func(t *testing.T) { f(t, cfg) })
	}
}

// TestSpecCompiler runs the JSON suite on the compiler engine, SIMD scripts
// excepted, with guard pages and with explicit bounds checks.
func TestSpecCompiler(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	dir := testsuite.Spec(t)
	noSIMD := func(name string) bool { return !strings.HasPrefix(name, "simd") }
	compilerModes(t, func(t *testing.T, cfg moat.Config) {
		total := runSpecFiles(t, dir, ".json", cfg, noSIMD)
		if len(total.Files) == specFiles-specSIMDFiles {
			checkTotals(t, "compiler JSON", total, specCompilerPassed, specCompilerSkipped)
		}
	})
}

// specSIMDFiles is the number of scripts named simd*.
const specSIMDFiles = 57

// The simd* scripts on the compiler: every vector operation has an amd64
// lowering, so their totals are the interpreter's.
const (
	simdCompiledPassed  = 24996
	simdCompiledSkipped = 510
)

// TestSpecCompilerSIMD runs the simd* scripts on the compiler, with the
// host's AVX/AVX2 and again with the SSE baseline (MOAT_NO_AVX), each with
// guard pages and with explicit bounds checks.
func TestSpecCompilerSIMD(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("compiler engine: %v", err)
	}
	dir := testsuite.Spec(t)
	simd := func(name string) bool { return strings.HasPrefix(name, "simd") }
	for _, baseline := range []bool{false, true} {
		name := "host"
		if baseline {
			name = "baseline"
			t.Setenv("MOAT_NO_AVX", "1")
		}
		t.Run(name, func(t *testing.T) {
			compilerModes(t, func(t *testing.T, cfg moat.Config) {
				total := runSpecFiles(t, dir, ".json", cfg, simd)
				if len(total.Files) == specSIMDFiles {
					checkTotals(t, "compiler SIMD JSON", total, simdCompiledPassed, simdCompiledSkipped)
				}
			})
		})
	}
}

// TestSpecWast runs the 147 original .wast scripts, unedited, from the
// wast folder beside the JSON one ($MOAT_SPECTEST/../wast).
func TestSpecWast(t *testing.T) {
	dir := filepath.Join(testsuite.Spec(t), "..", "wast")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("spec .wast scripts not found at %s (expected beside $%s, the suite's v2/json folder)", dir, testsuite.EnvVar)
	}
	total := runSpecFiles(t, dir, ".wast", moat.Config{Engine: moat.EngineInterpreter, DisabledFeatures: wasm20}, nil)
	if len(total.Files) == specFiles {
		checkTotals(t, ".wast", total, specWastAssertions, 0)
	}
}

// runSpecFiles runs the scripts under dir with the given extension (and,
// when keep is set, whose name keep accepts) on an engine made with cfg,
// one subtest per file, and returns the totals.
func runSpecFiles(t *testing.T, dir, ext string, cfg moat.Config, keep func(name string) bool) spectest.Result {
	files, err := spectest.Files(dir)
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, f := range files {
		if strings.HasSuffix(f, ext) && (keep == nil || keep(strings.TrimSuffix(filepath.Base(f), ext))) {
			scripts = append(scripts, f)
		}
	}
	if len(scripts) == 0 {
		t.Fatalf("no *%s scripts under %s", ext, dir)
	}
	engine, err := moat.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := spectest.Options{Engine: engine}
	var total spectest.Result
	for _, f := range scripts {
		name := strings.TrimSuffix(filepath.Base(f), ext)
		t.Run(name, func(t *testing.T) {
			r := spectest.RunFile(context.Background(), f, opts)
			total.Files = append(total.Files, r)
			total.Passed += r.Passed
			total.Failed += r.Failed
			total.Skipped += r.Skipped
			const show = 40
			for i, fl := range r.Failures {
				if i == show {
					t.Errorf("... and %d more failures", len(r.Failures)-show)
					break
				}
				t.Error(fl.String())
			}
			t.Logf("%d passed, %d failed, %d skipped in %v", r.Passed, r.Failed, r.Skipped, r.Duration)
		})
	}
	t.Logf("spec suite (%s): %s", ext, total.String())
	return total
}

func checkTotals(t *testing.T, what string, r spectest.Result, passed, skipped int) {
	t.Helper()
	if r.Passed != passed || r.Failed != 0 || r.Skipped != skipped {
		t.Errorf("%s suite: %s; want %d passed, 0 failed, %d skipped", what, r.String(), passed, skipped)
	}
}
