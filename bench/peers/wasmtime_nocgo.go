//go:build !cgo

package peers

import "errors"

// Without cgo, wasmtime-go (a C library) cannot be linked in.
func wasmtimeEngine() Engine {
	return Engine{
		Name:        "wasmtime",
		Unavailable: errors.New("wasmtime-go needs cgo: build with CGO_ENABLED=1 and a C compiler"),
	}
}

func wasmtimeCompiler(name string, _ bool) Compiler {
	return Compiler{Name: name, Unavailable: wasmtimeEngine().Unavailable}
}
