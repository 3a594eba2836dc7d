package frontend

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/validate"

	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/wasm"
)

// BenchmarkTranslateOptimize measures the middle of the pipeline alone:
// Translate and ssa.Optimize of every function of the modules that
// internal/compiler's BenchmarkCompileBenchModules compiles, and of the Go
// wasip1 test binary at $MOAT_BENCH_GOWASM if it is set, on one core,
// reusing one Translator as a compiler worker does.
func BenchmarkTranslateOptimize(b *testing.B) {
	modules := map[string][]byte{}
	names := []string{"regex", "bz2", "pulldown-cmark", "shootout/shootout-sieve"}
	for _, name := range names {
		modules[name] = testsuite.BenchModule(b, name)
	}
	if path := os.Getenv("MOAT_BENCH_GOWASM"); path != "" {
		wasm, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		names = append(names, "gotest")
		modules["gotest"] = wasm
	}
	for _, name := range names {
		m, err := binary.Decode(modules[name])
		if err == nil {
			err = validate.Module(m)
		}
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			var tr Translator
			for b.Loop() {
				for i := range m.Code {
					f, err := tr.Translate(m, m.NumImportedFuncs+uint32(i), nil)
					if err != nil {
						b.Fatal(err)
					}
					ssa.Optimize(f)
				}
			}
		})
	}
}

// BenchmarkValidateTranslate measures decoding, validation and translation
// of every function of the Go wasip1 test binary at $MOAT_BENCH_GOWASM (or
// of the regex module), the two ways the engines do it: "separate" decodes
// (binary.Decode, which reads every body), validates the module
// (validate.Module) and then translates each body, as before the compiler
// validated bodies itself; "fused" decodes without reading the bodies'
// instructions (binary.DecodeDeferred), validates the module-level parts
// (validate.ModuleDeferred) and each body as it is translated
// (TranslateValidating), as the compiler does. One core:
//
//	MOAT_BENCH_GOWASM=regexp.test.wasm GOMAXPROCS=1 go test -run '^$' -bench ValidateTranslate ./internal/frontend
func BenchmarkValidateTranslate(b *testing.B) {
	bin := testsuite.BenchModule(b, "regex")
	if path := os.Getenv("MOAT_BENCH_GOWASM"); path != "" {
		var err error
		if bin, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	translateAll := func(b *testing.B, m *wasm.Module, tr *Translator, check *validate.FuncValidator) {
		for i := range m.Code {
			if _, err := tr.TranslateValidating(m, m.NumImportedFuncs+uint32(i), nil, check); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("separate", func(b *testing.B) {
		var tr Translator
		for b.Loop() {
			m, err := binary.Decode(bin)
			if err == nil {
				err = validate.Module(m)
			}
			if err != nil {
				b.Fatal(err)
			}
			translateAll(b, m, &tr, nil)
		}
	})
	b.Run("fused", func(b *testing.B) {
		var tr Translator
		for b.Loop() {
			m, d := decodeDeferred(b, bin)
			check := d.Func()
			translateAll(b, m, &tr, check)
			check.Done()
			d.Finish()
		}
	})
}

// BenchmarkFrontHalf measures the compiler's front half as a default
// engine runs it on each function: the body validated as it is
// translated (TranslateValidating, after binary.DecodeDeferred and
// validate.ModuleDeferred) and then optimised (Optimize),
// for the Go wasip1 test binary at $MOAT_BENCH_GOWASM (or the regex
// module), reusing one Translator. Count it under callgrind:
//
//	MOAT_BENCH_GOWASM=regexp.test.wasm GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 \
//	  valgrind --tool=callgrind ./frontend.test -test.run '^$' -test.bench FrontHalf -test.benchtime 1x
func BenchmarkFrontHalf(b *testing.B) {
	bin := testsuite.BenchModule(b, "regex")
	if path := os.Getenv("MOAT_BENCH_GOWASM"); path != "" {
		var err error
		if bin, err = os.ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
	// What the default engine gives on linux/amd64: epoch polls, and
	// guard pages (the default reservation and guard) in place of bounds
	// checks on memory 0.
	env := &Env{EpochPolls: true, Unchecked: 4<<30 + 32<<20}
	var tr Translator
	for b.Loop() {
		m, d := decodeDeferred(b, bin)
		check := d.Func()
		for i := range m.Code {
			f, err := tr.TranslateValidating(m, m.NumImportedFuncs+uint32(i), env, check)
			if err != nil {
				b.Fatal(err)
			}
			Optimize(f, env)
		}
		check.Done()
		d.Finish()
	}
}

// decodeDeferred decodes bin with its bodies' validation deferred to
// translation, as the default engine does.
func decodeDeferred(b *testing.B, bin []byte) (*wasm.Module, *validate.Deferred) {
	m, err := binary.DecodeDeferred(bin, 0)
	if err != nil {
		b.Fatal(err)
	}
	d, err := validate.ModuleDeferred(m, 0)
	if err != nil {
		b.Fatal(err)
	}
	return m, d
}
