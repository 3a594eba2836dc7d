//go:build cgo

package peers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

func wasmtimeEngine() Engine {
	return Engine{Name: "wasmtime", Prepare: prepareWasmtime}
}

// prepareWasmtime compiles p on Wasmtime (Cranelift, default settings)
// with a fresh engine, so that nothing is cached from an earlier run. Its
// WASI writes stdio only to files, so the output goes through a temporary
// folder outside the preopened one.
func prepareWasmtime(p Program, wasm []byte, dir string) (_ *Prepared, err error) {
	var closers []func()
	closeAll := func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	engine := wasmtime.NewEngine()
	closers = append(closers, engine.Close)

	start := time.Now()
	module, err := wasmtime.NewModule(engine, wasm)
	compile := time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	closers = append(closers, module.Close)

	var reg region
	linker := wasmtime.NewLinker(engine)
	closers = append(closers, linker.Close)
	if err := linker.DefineWasi(); err != nil {
		return nil, err
	}
	if err := linker.FuncWrap("bench", "start", reg.start); err != nil {
		return nil, err
	}
	if err := linker.FuncWrap("bench", "end", reg.end); err != nil {
		return nil, err
	}
	outDir, err := os.MkdirTemp("", "peers-wasmtime-")
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { os.RemoveAll(outDir) })
	return &Prepared{
		Compile: compile,
		Run: func() (time.Duration, error) {
			reg = region{}
			return runWasmtimeOnce(p, dir, outDir, engine, linker, module, &reg)
		},
		Close: closeAll,
	}, nil
}

// runWasmtimeOnce instantiates module in a fresh store, its stdio going to
// files in outDir, and calls _start.
func runWasmtimeOnce(p Program, dir, outDir string, engine *wasmtime.Engine, linker *wasmtime.Linker, module *wasmtime.Module, reg *region) (time.Duration, error) {
	stdoutPath := filepath.Join(outDir, "stdout")
	stderrPath := filepath.Join(outDir, "stderr")
	wc := wasmtime.NewWasiConfig()
	wc.SetArgv([]string{p.Module})
	if err := wc.SetStdoutFile(stdoutPath); err != nil {
		return 0, err
	}
	if err := wc.SetStderrFile(stderrPath); err != nil {
		return 0, err
	}
	perms := wasmtime.DIR_READ | wasmtime.DIR_WRITE
	if err := wc.PreopenDir(dir, "/", perms, wasmtime.FILE_READ|wasmtime.FILE_WRITE); err != nil {
		return 0, err
	}
	store := wasmtime.NewStore(engine)
	defer store.Close()
	store.SetWasi(wc)

	inst, err := linker.Instantiate(store, module)
	if err != nil {
		return 0, fmt.Errorf("instantiate: %w", err)
	}
	fn := inst.GetFunc(store, "_start")
	if fn == nil {
		return 0, errors.New("no _start export")
	}
	var code uint32
	if _, err := fn.Call(store); err != nil {
		var exit *wasmtime.Error
		status, ok := int32(0), false
		if errors.As(err, &exit) {
			status, ok = exit.ExitStatus()
		}
		if !ok {
			return 0, err
		}
		code = uint32(status)
	}
	stdout, err := os.ReadFile(stdoutPath)
	if err != nil {
		return 0, err
	}
	stderr, err := os.ReadFile(stderrPath)
	if err != nil {
		return 0, err
	}
	return finish(p, reg, code, stdout, stderr)
}
