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
