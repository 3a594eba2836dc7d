package moat

import (
	"errors"
	"fmt"

	"github.com/moat-run/moat/internal/compiler"
	"github.com/moat-run/moat/internal/interp"
	"github.com/moat-run/moat/internal/wasm"
)

// CompileErrorKind separates the spec's two ways to reject a module, and
// two more of the engine's own: a valid module that uses a feature this
// engine cannot run, and a valid module too costly to compile.
type CompileErrorKind byte

const (
	// Malformed: the bytes are not a module in the binary format.
	Malformed CompileErrorKind = CompileErrorKind(wasm.Malformed)
	// Invalid: the module decodes but breaks a validation rule.
	Invalid CompileErrorKind = CompileErrorKind(wasm.Invalid)
	// Unsupported: the module uses a feature (CompileError.Feature) that
	// the engine does not run. Both engines run all of WebAssembly 3.0, so
	// no valid 3.0 module is refused this way.
	Unsupported CompileErrorKind = CompileErrorKind(wasm.Unsupported)
	// BudgetExceeded: the module is valid, but compiling it would exceed
	// the engine's Config.CompileBudget (Func says which function was
	// being compiled). The interpreter engine, whose translation is linear
	// in the code and checked against MaxFuncSize alone, can still run a
	// module the compiler refuses for MaxFuncWork or Timeout.
	BudgetExceeded CompileErrorKind = 0x80
)

func (k CompileErrorKind) String() string {
	if k == BudgetExceeded {
		return "budget exceeded"
	}
	return wasm.ErrorKind(k).String()
}

// CompileError reports a module that failed to decode or validate.
type CompileError struct {
	Kind   CompileErrorKind
	Offset int    // byte offset in the module binary, -1 when unknown
	Func   int    // index of the function whose body is at fault, -1 if none
	Msg    string // what was wrong, e.g. "unexpected end of section"
	// Line and Column locate an error in text-format source (1-based):
	// a syntax error, or the instruction or field a validation error is
	// about (whose Offset is then set too). Both are 0 for binary modules.
	Line, Column int
	// Feature is the feature at fault for Unsupported (and for a module
	// that uses a feature Config.DisabledFeatures turns off).
	Feature Features
}

func (e *CompileError) Error() string {
	if e.Kind == BudgetExceeded {
		return fmt.Sprintf("moat: compiling function %d: %s", e.Func, e.Msg)
	}
	s := "moat: " + e.Kind.String() + " module"
	switch {
	case e.Line > 0 && e.Offset >= 0:
		s += fmt.Sprintf(" at line %d, column %d (offset 0x%x)", e.Line, e.Column, e.Offset)
	case e.Line > 0:
		s += fmt.Sprintf(" at line %d, column %d", e.Line, e.Column)
	case e.Offset >= 0:
		s += fmt.Sprintf(" at offset 0x%x", e.Offset)
	}
	if e.Func >= 0 {
		s += fmt.Sprintf(" in function %d", e.Func)
	}
	return s + ": " + e.Msg
}

// compileErrorOf converts a decoder or validator error, or an engine's
// budget error; other errors pass through.
func compileErrorOf(err error) error {
	var le *compiler.LimitError
	if errors.As(err, &le) {
		return &CompileError{Kind: BudgetExceeded, Offset: -1, Func: int(le.Func), Msg: le.Msg}
	}
	var ie *interp.LimitError
	if errors.As(err, &ie) {
		return &CompileError{Kind: BudgetExceeded, Offset: -1, Func: int(ie.Func), Msg: ie.Msg()}
	}
	var we *wasm.Error
	if !errors.As(err, &we) {
		return err
	}
	fn := -1
	if we.Func != wasm.NoFunc {
		fn = int(we.Func)
	}
	return &CompileError{Kind: CompileErrorKind(we.Kind), Offset: we.Offset, Func: fn, Msg: we.Msg, Feature: Features(we.Feature)}
}

// LinkError reports an import that could not be resolved when instantiating.
type LinkError struct {
	Module, Name string // the import
	Reason       string // "unknown import", "incompatible import type: ...", ...
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("moat: cannot link import %q.%q: %s", e.Module, e.Name, e.Reason)
}

// ErrClosed is returned when an instance or a store is used after Close.
var ErrClosed = errors.New("moat: the instance or store is closed")

// ErrResourceLimit is wrapped by errors for instantiations whose initial
// memories or tables exceed the engine's configured limits.
var ErrResourceLimit = errors.New("moat: resource limit exceeded")
