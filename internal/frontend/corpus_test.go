package frontend

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// loadValid decodes and validates a module file; ok is false when the file
// is not a valid module (the suite holds invalid ones on purpose).
func loadValid(t testing.TB, path string) (*wasm.Module, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := binary.Decode(data)
	if err != nil {
		return nil, false
	}
	if validate.Module(m) != nil {
		return nil, false
	}
	return m, true
}

// translateAll translates and verifies every defined function of m, before
// and after the optimisation pipeline (with the verifier after each pass),
// and checks that the pipeline's shortcuts (a pass handing on analyses, GVN
// or Fold returning at once when nothing since their last run gave them
// work) give exactly what the passes give run one by one, each with
// nothing handed on; with epoch polls, that the pipeline's last pass,
// which drops bounded loops' polls with the analyses handed on to it,
// drops what it drops run alone. It returns the number of functions and
// whether m uses SIMD.
func translateAll(t *testing.T, name string, m *wasm.Module) (n int, simd bool) {
	simd = UsesSIMD(m)
	for i := range m.Code {
		fn := m.NumImportedFuncs + uint32(i)
		if translatedAlike(t, name, m, fn) && pollsDroppedAlike(t, name, m, fn) {
			n++
		}
	}
	return n, simd
}

// translatedAlike is translateAll's check of function fn's pipeline.
func translatedAlike(t *testing.T, name string, m *wasm.Module, fn uint32) bool {
	f, err := Translate(m, fn, nil)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	if err := ssa.Verify(f); err != nil {
		t.Errorf("%s: function %d does not verify: %v\n%s", name, fn, err, f)
		return false
	}
	if err := (ssa.Pipeline{Passes: ssa.DefaultPasses, Verify: true}).Run(f); err != nil {
		t.Errorf("%s: function %d: %v", name, fn, err)
		return false
	}
	alone, err := Translate(m, fn, nil)
	if err != nil {
		t.Fatalf("%s: function %d: translated once, not twice: %v", name, fn, err)
	}
	for _, p := range ssa.DefaultPasses {
		_ = ssa.Pipeline{Passes: []ssa.Pass{p}}.Run(alone)
	}
	if got, want := f.String(), alone.String(); got != want {
		t.Errorf("%s: function %d: the pipeline and its passes run one by one differ:\n%s\nand\n%s", name, fn, got, want)
		return false
	}
	return true
}

// pollsDroppedAlike is translateAll's check of function fn's polls.
func pollsDroppedAlike(t *testing.T, name string, m *wasm.Module, fn uint32) bool {
	passes := Passes(epochEnv)
	f, err := Translate(m, fn, epochEnv)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return false
	}
	_ = ssa.Pipeline{Passes: passes}.Run(f)
	alone, err := Translate(m, fn, epochEnv)
	if err != nil {
		t.Fatalf("%s: function %d: translated once, not twice: %v", name, fn, err)
	}
	_ = ssa.Pipeline{Passes: passes[:len(passes)-1]}.Run(alone)
	_ = ssa.Pipeline{Passes: passes[len(passes)-1:]}.Run(alone)
	if got, want := f.String(), alone.String(); got != want {
		t.Errorf("%s: function %d: bounded loops' polls dropped in the pipeline and alone differ:\n%s\nand\n%s", name, fn, got, want)
		return false
	}
	if err := ssa.Verify(f); err != nil {
		t.Errorf("%s: function %d does not verify with epoch polls: %v\n%s", name, fn, err, f)
		return false
	}
	return true
}

// TestTranslateSpecModules translates every function of every valid
// module of the spec suite.
func TestTranslateSpecModules(t *testing.T) {
	dir := testsuite.Spec(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var modules, funcs, simd int
	for _, file := range files {
		m, ok := loadValid(t, file)
		if !ok {
			continue
		}
		n, isSIMD := translateAll(t, filepath.Base(file), m)
		if isSIMD {
			simd++
		}
		modules++
		funcs += n
	}
	t.Logf("spec suite: %d modules (%d using SIMD), %d functions translated and verified (before and after Optimize)", modules, simd, funcs)
}

// TestTranslateBenchModules does the same for ../shared/bench.
func TestTranslateBenchModules(t *testing.T) {
	root, err := testsuite.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	dir := filepath.Join(root, "..", "shared", "bench")
	if d := os.Getenv("MOAT_BENCH"); d != "" {
		dir = d
	}
	var files []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".wasm" {
			files = append(files, path)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("no bench modules under %s (set MOAT_BENCH)", dir)
	}
	sort.Strings(files)
	var modules, funcs, simd int
	for _, file := range files {
		m, ok := loadValid(t, file)
		if !ok {
			t.Errorf("%s: not a valid module", file)
			continue
		}
		n, isSIMD := translateAll(t, filepath.Base(file), m)
		if isSIMD {
			simd++
		}
		modules++
		funcs += n
	}
	t.Logf("bench: %d modules (%d using SIMD), %d functions translated and verified (before and after Optimize)", modules, simd, funcs)
}

// TestTranslateUnvalidatedModules feeds every decodable spec-suite module,
// valid or not, to Translate: whatever it returns, it must not panic or
// hang (Translate's contract covers validated modules only, but bad input
// must never crash the host).
func TestTranslateUnvalidatedModules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testsuite.Spec(t), "*", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := binary.Decode(data)
		if err != nil {
			continue
		}
		for i := range m.Code {
			_, _ = Translate(m, m.NumImportedFuncs+uint32(i), nil)
		}
	}
}
