//go:build cgo

package peers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

func wasmtimeEngine() Engine {
	return Engine{Name: "wasmtime", Run: runWasmtime}
}

// runWasmtime runs p on Wasmtime (Cranelift, default settings) with a
// fresh engine, so that nothing is cached from an earlier run. Its WASI
// writes stdio only to files, so the output goes through a temporary folder
// outside the preopened one.
func runWasmtime(p Program, wasm []byte, dir string) (Measurement, error) {
	var m Measurement
	engine := wasmtime.NewEngine()
	defer engine.Close()

	start := time.Now()
	module, err := wasmtime.NewModule(engine, wasm)
	m.Compile = time.Since(start)
	if err != nil {
		return m, fmt.Errorf("compile: %w", err)
	}
	defer module.Close()

	var reg region
	linker := wasmtime.NewLinker(engine)
	defer linker.Close()
	if err := linker.DefineWasi(); err != nil {
		return m, err
	}
	if err := linker.FuncWrap("bench", "start", reg.start); err != nil {
		return m, err
	}
	if err := linker.FuncWrap("bench", "end", reg.end); err != nil {
		return m, err
	}

	outDir, err := os.MkdirTemp("", "peers-wasmtime-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(outDir)
	stdoutPath := filepath.Join(outDir, "stdout")
	stderrPath := filepath.Join(outDir, "stderr")
	wc := wasmtime.NewWasiConfig()
	wc.SetArgv([]string{p.Module})
	if err := wc.SetStdoutFile(stdoutPath); err != nil {
		return m, err
	}
	if err := wc.SetStderrFile(stderrPath); err != nil {
		return m, err
	}
	perms := wasmtime.DIR_READ | wasmtime.DIR_WRITE
	if err := wc.PreopenDir(dir, "/", perms, wasmtime.FILE_READ|wasmtime.FILE_WRITE); err != nil {
		return m, err
	}
	store := wasmtime.NewStore(engine)
	defer store.Close()
	store.SetWasi(wc)

	inst, err := linker.Instantiate(store, module)
	if err != nil {
		return m, fmt.Errorf("instantiate: %w", err)
	}
	fn := inst.GetFunc(store, "_start")
	if fn == nil {
		return m, errors.New("no _start export")
	}
	var code uint32
	if _, err := fn.Call(store); err != nil {
		var exit *wasmtime.Error
		status, ok := int32(0), false
		if errors.As(err, &exit) {
			status, ok = exit.ExitStatus()
		}
		if !ok {
			return m, err
		}
		code = uint32(status)
	}
	stdout, err := os.ReadFile(stdoutPath)
	if err != nil {
		return m, err
	}
	stderr, err := os.ReadFile(stderrPath)
	if err != nil {
		return m, err
	}
	return m, finish(&m, p, &reg, code, stdout, stderr)
}
