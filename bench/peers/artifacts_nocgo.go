//go:build !cgo

package peers

import "errors"

// WasmtimeLoadTimes needs cgo.
func WasmtimeLoadTimes(wasm []byte, runs int, dir string) (LoadTimes, error) {
	return LoadTimes{}, errors.New("wasmtime-go needs cgo")
}

// WasmtimeAvailable reports whether Wasmtime is linked in.
const WasmtimeAvailable = false
