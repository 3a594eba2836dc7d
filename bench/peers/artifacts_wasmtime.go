//go:build cgo

package peers

import (
	"os"
	"path/filepath"
	"time"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// WasmtimeLoadTimes is MoatLoadTimes for Wasmtime: NewModule with a fresh
// engine, Serialize, and NewModuleDeserializeFile (which maps the file and
// trusts it; Digest stays 0).
func WasmtimeLoadTimes(wasm []byte, runs int, dir string) (LoadTimes, error) {
	var lt LoadTimes
	var compiles, loads []time.Duration
	var mod *wasmtime.Module
	for range runs {
		e := wasmtime.NewEngine()
		start := time.Now()
		m, err := wasmtime.NewModule(e, wasm)
		compiles = append(compiles, time.Since(start))
		if err != nil {
			return lt, err
		}
		mod = m
	}
	b, err := mod.Serialize()
	if err != nil {
		return lt, err
	}
	lt.ArtifactSize = len(b)
	path := filepath.Join(dir, "wasmtime.cwasm")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return lt, err
	}
	e := wasmtime.NewEngine()
	for range runs {
		start := time.Now()
		m, err := wasmtime.NewModuleDeserializeFile(e, path)
		loads = append(loads, time.Since(start))
		if err != nil {
			return lt, err
		}
		m.Close()
	}
	lt.Compile, lt.Load = medianOf(compiles), medianOf(loads)
	return lt, nil
}

// WasmtimeAvailable reports whether Wasmtime is linked in.
const WasmtimeAvailable = true
