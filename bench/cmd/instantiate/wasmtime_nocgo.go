//go:build !cgo

package main

import "errors"

func wasmtimeEngine(name string, pooling bool) engine {
	return engine{name: name, unavailable: errors.New("Wasmtime needs cgo")}
}
