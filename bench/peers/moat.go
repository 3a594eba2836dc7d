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
	return Engine{Name: "moat", Prepare: func(p Program, wasm []byte, dir string) (*Prepared, error) {
		return prepareMoat(p, wasm, dir, moat.Config{Engine: moat.EngineCompiler})
	}}
}

// moatExplicitEngine is moat's compiler with explicit bounds checks
// instead of guard pages (moat run -O signals-based-traps=n).
func moatExplicitEngine() Engine {
	return Engine{Name: "moat-explicit", Prepare: func(p Program, wasm []byte, dir string) (*Prepared, error) {
		return prepareMoat(p, wasm, dir, moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksExplicit})
	}}
}

// moatInterpEngine is moat's interpreter: the other end of the trade
// between compile time and run time (not in Engines' default list).
func moatInterpEngine() Engine {
	return Engine{Name: "moat-interp", Prepare: func(p Program, wasm []byte, dir string) (*Prepared, error) {
		return prepareMoat(p, wasm, dir, moat.Config{Engine: moat.EngineInterpreter})
	}}
}

// prepareMoat compiles p on the moat engine cfg describes (SIMD programs
// included).
func prepareMoat(p Program, wasm []byte, dir string, cfg moat.Config) (*Prepared, error) {
	eng, err := moat.NewEngine(cfg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	mod, err := eng.Compile(wasm)
	compile := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("compile (%s): %w", cfg.Engine, err)
	}

	var reg region
	linker := moat.NewLinker(eng)
	if err := wasi.DefineImports(linker); err != nil {
		return nil, err
	}
	mark := func(f func()) moat.HostFunc {
		return func(context.Context, *moat.Caller, []uint64) error { f(); return nil }
	}
	if err := linker.DefineHostFunc("bench", "start", moat.FuncType{}, mark(reg.start)); err != nil {
		return nil, err
	}
	if err := linker.DefineHostFunc("bench", "end", moat.FuncType{}, mark(reg.end)); err != nil {
		return nil, err
	}
	return &Prepared{
		Compile: compile,
		Run: func() (time.Duration, error) {
			reg = region{}
			return runMoatOnce(p, dir, eng, linker, mod, &reg)
		},
		Close: func() {},
	}, nil
}

// runMoatOnce instantiates mod in a fresh store and calls _start.
func runMoatOnce(p Program, dir string, eng *moat.Engine, linker *moat.Linker, mod *moat.Module, reg *region) (time.Duration, error) {
	store := moat.NewStore(eng)
	defer store.Close()
	var stdout, stderr bytes.Buffer
	sys, err := wasi.Attach(store, wasi.Config{
		Args:     []string{p.Module},
		Stdout:   &stdout,
		Stderr:   &stderr,
		Preopens: []wasi.Preopen{{Guest: "/", Host: dir}},
	})
	if err != nil {
		return 0, err
	}
	defer sys.Close()
	ctx := context.Background()
	inst, err := linker.Instantiate(ctx, store, mod)
	if err != nil {
		return 0, fmt.Errorf("instantiate: %w", err)
	}
	defer inst.Close(ctx)
	code, err := wasi.Run(ctx, inst)
	var exit *wasi.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, err
	}
	return finish(p, reg, code, stdout.Bytes(), stderr.Bytes())
}
