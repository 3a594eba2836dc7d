package wasm

import "fmt"

// ErrorKind separates the spec's two ways a module can be rejected, plus
// modules that are fine but use a feature that is turned off or that an
// engine does not run.
type ErrorKind byte

const (
	// Malformed: the bytes are not a module in the binary format.
	Malformed ErrorKind = iota + 1
	// Invalid: the module decodes but breaks a validation rule.
	Invalid
	// Unsupported: the module uses a feature (Error.Feature) that the
	// configuration turns off or the engine cannot run.
	Unsupported
)

func (k ErrorKind) String() string {
	switch k {
	case Malformed:
		return "malformed"
	case Invalid:
		return "invalid"
	case Unsupported:
		return "unsupported"
	}
	return "error"
}

// NoFunc marks an Error that is not inside a function body.
const NoFunc = ^uint32(0)

// Error is a decoding or validation error: what was wrong and where.
// The public package wraps it as moat.CompileError.
type Error struct {
	Kind    ErrorKind
	Offset  int      // byte offset in the module binary, -1 when unknown
	Func    uint32   // function index for errors in a body, else NoFunc
	Msg     string   // what was expected or found, e.g. "unexpected end of section"
	Feature Features // Unsupported: the feature at fault
}

func (e *Error) Error() string {
	where := ""
	if e.Offset >= 0 {
		where = fmt.Sprintf(" at offset 0x%x", e.Offset)
	}
	if e.Func != NoFunc {
		where += fmt.Sprintf(" in function %d", e.Func)
	}
	return fmt.Sprintf("%s module%s: %s", e.Kind, where, e.Msg)
}

// Malformedf and Invalidf build errors outside function bodies.
func Malformedf(offset int, format string, args ...any) *Error {
	return &Error{Kind: Malformed, Offset: offset, Func: NoFunc, Msg: fmt.Sprintf(format, args...)}
}

func Invalidf(offset int, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Offset: offset, Func: NoFunc, Msg: fmt.Sprintf(format, args...)}
}

// Unsupportedf builds the error for a module that uses feature f where it
// cannot be run.
func Unsupportedf(f Features, offset int, format string, args ...any) *Error {
	return &Error{Kind: Unsupported, Offset: offset, Func: NoFunc, Feature: f, Msg: fmt.Sprintf(format, args...)}
}
