package vm

import (
	"strings"

	"github.com/moat-run/moat/internal/abi"
)

// Frame is one entry of a wasm backtrace.
type Frame struct {
	Func   *Function
	Offset int // byte offset of the instruction in the module binary, -1 if unknown
}

// Trap is an abnormal end of execution. Frames run from the innermost
// (where the trap happened) outward.
type Trap struct {
	Code   abi.TrapCode
	Frames []Frame
	// Cause is the host function's error for TrapHostError.
	Cause error
}

func (t *Trap) Error() string {
	if t.Code == abi.TrapHostError && t.Cause != nil {
		return t.Cause.Error()
	}
	return t.Code.String()
}

func (t *Trap) Unwrap() error { return t.Cause }

// RunEnder is implemented by a host function's error that ends the run on
// purpose rather than failing it (WASI's proc_exit). Its trap carries no
// backtrace: nobody reads one, and a Go program, which exits through
// proc_exit at every run, would have its stack walked and a frame
// allocated for each of its calls.
type RunEnder interface{ EndsRun() }

// EndRun is the trap of err, a RunEnder a host function returned.
func EndRun(err error) (*Trap, bool) {
	if _, ok := err.(RunEnder); !ok {
		return nil, false
	}
	return &Trap{Code: abi.TrapHostError, Cause: err}, true
}

// RunEnded reports whether t is EndRun's: no frame is added to it.
func (t *Trap) RunEnded() bool {
	_, ok := t.Cause.(RunEnder)
	return ok && t.Code == abi.TrapHostError
}

// Backtrace renders the frames, one per line, innermost first.
func (t *Trap) Backtrace() string {
	var b strings.Builder
	var names FuncNamer
	for i, f := range t.Frames {
		b.WriteString("  ")
		b.WriteString(itoa(uint32(i)))
		b.WriteString(": ")
		if f.Func != nil {
			if f.Func.Instance != nil && f.Func.Instance.Module.Names.Module != "" {
				b.WriteString(f.Func.Instance.Module.Names.Module)
				b.WriteByte('!')
			}
			b.WriteString(names.Name(f.Func))
		} else {
			b.WriteString("<host>")
		}
		if f.Offset >= 0 {
			b.WriteString(" @ 0x")
			b.WriteString(hex(uint64(f.Offset)))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func hex(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	i := len(b)
	for {
		i--
		b[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			return string(b[i:])
		}
	}
}
