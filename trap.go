package moat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// TrapCode says why WebAssembly execution stopped abnormally.
type TrapCode uint32

const (
	TrapUnreachable              = TrapCode(abi.TrapUnreachable)
	TrapMemoryOutOfBounds        = TrapCode(abi.TrapMemoryOutOfBounds)
	TrapTableOutOfBounds         = TrapCode(abi.TrapTableOutOfBounds)
	TrapIndirectCallTypeMismatch = TrapCode(abi.TrapIndirectCallTypeMismatch)
	TrapUndefinedElement         = TrapCode(abi.TrapUndefinedElement)
	TrapUninitializedElement     = TrapCode(abi.TrapUninitializedElement)
	TrapNullReference            = TrapCode(abi.TrapNullReference)
	TrapIntegerDivideByZero      = TrapCode(abi.TrapIntegerDivideByZero)
	TrapIntegerOverflow          = TrapCode(abi.TrapIntegerOverflow)
	TrapInvalidConversion        = TrapCode(abi.TrapInvalidConversion)
	TrapStackExhausted           = TrapCode(abi.TrapStackExhausted)
	TrapInterrupted              = TrapCode(abi.TrapInterrupted)
	TrapOutOfFuel                = TrapCode(abi.TrapOutOfFuel)
	TrapHostError                = TrapCode(abi.TrapHostError)
	TrapNullFunctionReference    = TrapCode(abi.TrapNullFunctionReference)
	TrapNullExceptionReference   = TrapCode(abi.TrapNullExceptionReference)
	TrapCastFailure              = TrapCode(abi.TrapCastFailure)
	TrapNullStructReference      = TrapCode(abi.TrapNullStructReference)
	TrapNullArrayReference       = TrapCode(abi.TrapNullArrayReference)
	TrapNullI31Reference         = TrapCode(abi.TrapNullI31Reference)
	TrapArrayOutOfBounds         = TrapCode(abi.TrapArrayOutOfBounds)
	TrapAllocationTooLarge       = TrapCode(abi.TrapAllocationTooLarge)
	TrapGCHeapOutOfMemory        = TrapCode(abi.TrapGCHeapOutOfMemory)
)

// String is the spec's wording, e.g. "integer divide by zero".
func (c TrapCode) String() string { return abi.TrapCode(c).String() }

// TrapFrame is one entry of a trap's wasm backtrace.
type TrapFrame struct {
	Module    string // the module's name-section name, else its instance name, else ""
	FuncIndex int    // index in the module's function index space, -1 for host functions
	FuncName  string // name-section name, host "module.name", first export name, or "func[i]"
	Offset    int    // byte offset of the instruction in the module binary, -1 if unknown
}

// Trap is an abnormal end of WebAssembly execution: a guest fault, a
// cancelled context, exhausted call stack, or an error from a host function.
type Trap struct {
	Code    TrapCode
	Message string
	// Frames run from the innermost (where the trap happened) outward.
	Frames []TrapFrame
	cause  error
}

// NewTrap makes a trap a host function can return to end execution with a
// particular code.
func NewTrap(code TrapCode, message string) *Trap {
	if message == "" {
		message = code.String()
	}
	return &Trap{Code: code, Message: message}
}

func (t *Trap) Error() string { return t.Message }

// Unwrap gives a host function's error for TrapHostError (and the context's
// error for TrapInterrupted, when the engine recorded it).
func (t *Trap) Unwrap() error { return t.cause }

// Backtrace renders the frames, one per line, innermost first.
func (t *Trap) Backtrace() string {
	var b strings.Builder
	for i, f := range t.Frames {
		fmt.Fprintf(&b, "  %d: ", i)
		if f.Module != "" {
			b.WriteString(f.Module)
			b.WriteByte('!')
		}
		b.WriteString(f.FuncName)
		if f.Offset >= 0 {
			fmt.Fprintf(&b, " @ 0x%x", f.Offset)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// trapOf converts anything an engine returned into the public form: a
// *vm.Trap becomes a *Trap; any other error is treated as a host error.
func trapOf(err error) error {
	if err == nil {
		return nil
	}
	if pt, ok := err.(*Trap); ok {
		return pt
	}
	vt, ok := errors.AsType[*vm.Trap](err)
	if !ok {
		return &Trap{Code: TrapHostError, Message: err.Error(), cause: err}
	}
	// A host function may have returned a public *Trap (from NewTrap, or
	// from a call it made back into wasm); vmTrapOf wrapped it. It keeps
	// the frames it had, since the engines add none to it.
	if pt := passedTrap(vt.Cause); pt != nil {
		t := *pt
		if len(vt.Frames) > 0 {
			t.Frames = framesOf(vt.Frames)
		}
		return &t
	}
	t := &Trap{Code: TrapCode(vt.Code), Message: vt.Error(), cause: vt.Cause, Frames: framesOf(vt.Frames)}
	if vt.Code == abi.TrapHostError && vt.Cause == nil {
		t.Message = vt.Code.String()
	}
	return t
}

// passedTrap finds the public trap a host function returned in the cause
// chain of an engine's trap. A trap that is only the value of a panic is
// not one: the panic is what the host function did.
func passedTrap(err error) *Trap {
	for err != nil {
		switch e := err.(type) {
		case *Trap:
			return e
		case *PanicError:
			return nil
		}
		err = errors.Unwrap(err)
	}
	return nil
}

func framesOf(fs []vm.Frame) []TrapFrame {
	if len(fs) == 0 {
		return nil
	}
	out := make([]TrapFrame, len(fs))
	var names vm.FuncNamer
	for i, f := range fs {
		tf := TrapFrame{FuncIndex: -1, Offset: f.Offset, FuncName: "<host>"}
		if fn := f.Func; fn != nil {
			tf.FuncName = names.Name(fn)
			if fn.Instance != nil {
				tf.FuncIndex = int(fn.Index)
				tf.Module = fn.Instance.Module.Names.Module
			}
		}
		out[i] = tf
	}
	return out
}

// vmTrapOf converts an error a host function returned into what the engine
// expects: a public *Trap keeps its code (and, through Cause, its message,
// frames and cause, which trapOf restores), an *Exception is thrown into the
// calling code; anything else is a host error.
func vmTrapOf(err error) error {
	var exn *Exception
	if errors.As(err, &exn) {
		return exn.exn
	}
	var pt *Trap
	if errors.As(err, &pt) {
		if pt.Code == TrapHostError {
			return &vm.Trap{Code: abi.TrapHostError, Cause: err}
		}
		return &vm.Trap{Code: abi.TrapCode(pt.Code), Cause: pt}
	}
	return err
}
