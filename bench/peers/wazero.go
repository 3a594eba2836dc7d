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
	return Engine{Name: "wazero", Run: runWazero}
}

// runWazero runs p on wazero's optimizing compiler, in a fresh runtime so
// that nothing is cached from an earlier run.
func runWazero(p Program, wasm []byte, dir string) (Measurement, error) {
	var m Measurement
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return m, err
	}
	var reg region
	mark := func(f func()) api.GoFunc {
		return func(context.Context, []uint64) { f() }
	}
	_, err := rt.NewHostModuleBuilder("bench").
		NewFunctionBuilder().WithGoFunction(mark(reg.start), nil, nil).Export("start").
		NewFunctionBuilder().WithGoFunction(mark(reg.end), nil, nil).Export("end").
		Instantiate(ctx)
	if err != nil {
		return m, err
	}

	start := time.Now()
	compiled, err := rt.CompileModule(ctx, wasm)
	m.Compile = time.Since(start)
	if err != nil {
		return m, fmt.Errorf("compile: %w", err)
	}

	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().
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
		return m, fmt.Errorf("instantiate: %w", err)
	}
	fn := mod.ExportedFunction("_start")
	if fn == nil {
		return m, errors.New("no _start export")
	}
	var code uint32
	if _, err := fn.Call(ctx); err != nil {
		var exit *sys.ExitError
		if !errors.As(err, &exit) {
			return m, err
		}
		code = exit.ExitCode()
	}
	return m, finish(&m, p, &reg, code, stdout.Bytes(), stderr.Bytes())
}
