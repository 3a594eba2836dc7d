package moat

import (
	"fmt"
	"runtime/debug"
)

// PanicError is the cause of the TrapHostError trap that ends a call when a
// host function panics: the trap names the host function, carries the wasm
// frames that led to it like any host error, and unwraps to this value, so
// errors.As finds the *PanicError and, when the panic value was an error,
// errors.Is and errors.As reach that error too (panic(err) → errors.Is(trap,
// err)). The panic does not cross into the engine: the call unwinds as if
// the host function had returned the error, and the store stays usable.
//
// Like wazero, and unlike Wasmtime (which resumes a Rust panic in the
// embedder once the guest's frames are gone), moat returns the panic as an
// error: a sandbox host must not die of one tenant's misbehaving import.
type PanicError struct {
	Func  string // the host function, "module.field" ("host" for NewFunc's)
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, as debug.Stack formats it
}

func newPanicError(name string, v any) *PanicError {
	return &PanicError{Func: name, Value: v, Stack: debug.Stack()}
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("moat: host function %s panicked: %v", e.Func, e.Value)
}

// Unwrap returns the panic value when it is an error, else nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
