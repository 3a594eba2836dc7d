package peers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

func moatEngine() Engine {
	return Engine{Name: "moat", Run: func(p Program, wasm []byte, dir string) (Measurement, error) {
		return runMoat(p, wasm, dir, moat.Config{Engine: moat.EngineCompiler})
	}}
}

// moatExplicitEngine is moat's compiler with explicit bounds checks
// instead of guard pages (moat run -O signals-based-traps=n).
func moatExplicitEngine() Engine {
	return Engine{Name: "moat-explicit", Run: func(p Program, wasm []byte, dir string) (Measurement, error) {
		return runMoat(p, wasm, dir, moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit})
	}}
}

// moatInterpEngine is moat's interpreter: the other end of the trade
// between compile time and run time (not in Engines' default list).
func moatInterpEngine() Engine {
	return Engine{Name: "moat-interp", Run: func(p Program, wasm []byte, dir string) (Measurement, error) {
		return runMoat(p, wasm, dir, moat.Config{Engine: moat.EngineInterpreter})
	}}
}

// runMoat runs p on the moat engine cfg describes (SIMD programs
// included).
func runMoat(p Program, wasm []byte, dir string, cfg moat.Config) (Measurement, error) {
	var m Measurement
	mod, eng, err := compileMoat(cfg, wasm, &m)
	if err != nil {
		return m, err
	}

	var reg region
	linker := moat.NewLinker(eng)
	if err := wasi.DefineImports(linker); err != nil {
		return m, err
	}
	mark := func(f func()) moat.HostFunc {
		return func(context.Context, *moat.Caller, []uint64) error { f(); return nil }
	}
	if err := linker.DefineHostFunc("bench", "start", moat.FuncType{}, mark(reg.start)); err != nil {
		return m, err
	}
	if err := linker.DefineHostFunc("bench", "end", moat.FuncType{}, mark(reg.end)); err != nil {
		return m, err
	}
	store := moat.NewStore(eng)
	var stdout, stderr bytes.Buffer
	sys, err := wasi.Attach(store, wasi.Config{
		Args:     []string{p.Module},
		Stdout:   &stdout,
		Stderr:   &stderr,
		Preopens: []wasi.Preopen{{Guest: "/", Host: dir}},
	})
	if err != nil {
		return m, err
	}
	defer sys.Close()
	ctx := context.Background()
	inst, err := linker.Instantiate(ctx, store, mod)
	if err != nil {
		return m, fmt.Errorf("instantiate: %w", err)
	}
	defer inst.Close(ctx)
	code, err := wasi.Run(ctx, inst)
	var exit *wasi.ExitError
	if err != nil && !errors.As(err, &exit) {
		return m, err
	}
	return m, finish(&m, p, &reg, code, stdout.Bytes(), stderr.Bytes())
}

// compileMoat makes a fresh engine of the kind asked for and times the
// compilation of wasm on it into m.Compile.
func compileMoat(cfg moat.Config, wasm []byte, m *Measurement) (*moat.Module, *moat.Engine, error) {
	kind := cfg.Engine
	eng, err := moat.NewEngine(cfg)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	mod, err := eng.Compile(wasm)
	m.Compile = time.Since(start)
	if err != nil {
		return nil, nil, fmt.Errorf("compile (%s): %w", kind, err)
	}
	return mod, eng, nil
}
