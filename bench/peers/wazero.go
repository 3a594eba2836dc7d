package peers

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func wazeroEngine() Engine {
	return Engine{Name: "wazero", Prepare: prepareWazero}
}

// prepareWazero compiles p on wazero's optimizing compiler, in a fresh
// runtime so that nothing is cached from an earlier run.
func prepareWazero(p Program, wasm []byte, dir string) (_ *Prepared, err error) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer func() {
		if err != nil {
			rt.Close(ctx)
		}
	}()
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	var reg region
	mark := func(f func()) api.GoFunc {
		return func(context.Context, []uint64) { f() }
	}
	_, err = rt.NewHostModuleBuilder("bench").
		NewFunctionBuilder().WithGoFunction(mark(reg.start), nil, nil).Export("start").
		NewFunctionBuilder().WithGoFunction(mark(reg.end), nil, nil).Export("end").
		Instantiate(ctx)
	if err != nil {
		return nil, err
	}

	start := time.Now()
	compiled, err := rt.CompileModule(ctx, wasm)
	compile := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	return &Prepared{
		Compile: compile,
		Run: func() (time.Duration, error) {
			reg = region{}
			return runWazeroOnce(ctx, p, dir, rt, compiled, &reg)
		},
		Close: func() { rt.Close(ctx) },
	}, nil
}

// runWazeroOnce instantiates compiled (anonymously, so that it can be
// instantiated again) and calls _start.
func runWazeroOnce(ctx context.Context, p Program, dir string, rt wazero.Runtime, compiled wazero.CompiledModule, reg *region) (time.Duration, error) {
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(p.Module).
		WithStdin(bytes.NewReader(nil)).
		WithStdout(&stdout).
		WithStderr(&stderr).
		WithFSConfig(wazero.NewFSConfig().WithDirMount(dir, "/")).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStartFunctions() // _start is called below, after instantiation
	mod, err := rt.InstantiateModule(ctx, compiled, cfg)
	if err != nil {
		return 0, fmt.Errorf("instantiate: %w", err)
	}
	defer mod.Close(ctx)
	fn := mod.ExportedFunction("_start")
	if fn == nil {
		return 0, errors.New("no _start export")
	}
	var code uint32
	if _, err := fn.Call(ctx); err != nil {
		var exit *sys.ExitError
		if !errors.As(err, &exit) {
			return 0, err
		}
		code = exit.ExitCode()
	}
	return finish(p, reg, code, stdout.Bytes(), stderr.Bytes())
}
