//go:build cgo

package peers

import (
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// wasmtimeCompiler compiles with Cranelift: at its default optimization
// level ("speed"), or at none when o0 (the closest to a baseline tier the C
// API offers: wasmtime-go cannot select Winch). With one thread, parallel
// compilation is off.
func wasmtimeCompiler(name string, o0 bool) Compiler {
	return Compiler{Name: name, Compile: func(wasm []byte, threads int, clock Clock) (time.Duration, error) {
		cfg := wasmtime.NewConfig()
		cfg.SetParallelCompilation(threads != 1)
		if o0 {
			cfg.SetCraneliftOptLevel(wasmtime.OptLevelNone)
		}
		engine := wasmtime.NewEngineWithConfig(cfg)
		defer engine.Close()
		start := clock()
		module, err := wasmtime.NewModule(engine, wasm)
		d := clock() - start
		if err != nil {
			return d, err
		}
		module.Close()
		return d, nil
	}}
}
