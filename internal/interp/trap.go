package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// maxBacktrace bounds a trap's frame list (a stack-exhaustion trap would
// otherwise carry MaxCallDepth frames); the innermost frames are kept.
const maxBacktrace = 1000

// trap builds the error for a trap that run returned.
func (m *machine) trap(tc abi.TrapCode) error {
	if exn := vm.AsException(m.hostErr); exn != nil && tc == abi.TrapHostError {
		return exn // an uncaught exception is not a trap
	}
	if t, ok := vm.EndRun(m.hostErr); ok && tc == abi.TrapHostError {
		return t // the run ended on purpose: no backtrace
	}
	frames := m.backtrace()
	if tc == abi.TrapHostError {
		return hostTrap(m.hostErr, m.hostFn, frames)
	}
	t := &vm.Trap{Code: tc, Frames: frames}
	if tc == abi.TrapInterrupted {
		t.Cause = vm.Interrupted(m.ctx).Cause
	}
	return t
}

// backtrace lists the wasm frames, innermost first: the trapping
// instruction, then each caller's call instruction.
func (m *machine) backtrace() []vm.Frame {
	n := min(len(m.frames)+1, maxBacktrace)
	frames := make([]vm.Frame, 0, n)
	frames = append(frames, vm.Frame{Func: m.trapFn.fn, Offset: offsetAt(m.trapFn.code, m.trapPC)})
	st, k := m.trapFn.st, len(m.callerStates)
	for i := len(m.frames) - 1; i >= 0 && len(frames) < n; i-- {
		fr := &m.frames[i]
		if fr.cross {
			k--
			st = m.callerStates[k]
		}
		bf := st.bound[fr.fn]
		frames = append(frames, vm.Frame{Func: bf.fn, Offset: offsetAt(bf.code, fr.pc-1)})
	}
	return frames
}

// offsetAt is the module-binary offset of instruction pc; pc -1 stands for
// the function's start (its entry poll), whose offset is the body's.
func offsetAt(fc *funcCode, pc int) int {
	if pc == -1 {
		return int(fc.bodyOffset)
	}
	if pc < 0 || pc >= len(fc.offsets) {
		return -1
	}
	return int(fc.offsets[pc])
}

// hostTrap turns a host function's error into the trap the caller sees: a
// *vm.Trap and an exception pass through unchanged, anything else becomes
// TrapHostError with the host function as the innermost frame.
func hostTrap(err error, f *vm.Function, frames []vm.Frame) error {
	if t, ok := err.(*vm.Trap); ok {
		return t
	}
	if exn := vm.AsException(err); exn != nil {
		return exn
	}
	all := make([]vm.Frame, 0, len(frames)+1)
	all = append(all, vm.Frame{Func: f, Offset: -1})
	all = append(all, frames...)
	return &vm.Trap{Code: abi.TrapHostError, Cause: err, Frames: all}
}
