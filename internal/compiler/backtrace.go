package compiler

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/vm"
)

// Backtraces. Compiled functions keep frame pointers: at every call the
// callee's RBP points at the caller's saved RBP, with the return address
// into the caller above it. A stopped run is walked from its exit: the
// exit's resume address (or, for a shared trap stub or the poll stub, the
// return address of the site's call into it) gives the innermost function
// and position, then the RBP chain gives each caller and the return
// address of its call, which the module's site table maps to the call's
// wasm offset. The walk ends at the first return address outside this
// module's functions (the entry stub), and reads stack words only through
// vm.Stack.Word, which refuses addresses outside the native stack.

// maxBacktrace bounds a trap's frame list, like the interpreter's: a
// stack-exhaustion trap keeps its innermost frames.
const maxBacktrace = 1000

// frames lists the wasm frames of the run stopped at pc with stack and
// frame pointers sp and bp, innermost first.
func (st *instance) frames(pc, sp, bp uintptr) []vm.Frame {
	ns := st.refs().stack
	mc := st.mc
	if ns == nil || mc.code == nil {
		return nil
	}
	base := mc.code.Addr()
	var out []vm.Frame
	if pc >= base && pc < base+uintptr(mc.code.Size()) {
		off := int(pc - base)
		site := pc
		_, shared, _ := mc.tables.trapAt(off)
		switch {
		case shared:
			w, _ := ns.Word(sp)
			site = uintptr(w)
		case mc.tables.inPoll(off):
			w, _ := ns.Word(sp + amd64.PollStubFrame)
			site = uintptr(w)
		}
		out, _ = st.addFrame(out, site)
	}
	return st.walk(out, bp)
}

// faultFrames lists the wasm frames of a run stopped by a fault at pc,
// innermost first: the function holding pc, at the wasm position pos (0:
// unknown), then its callers from frame pointer bp. A fault comes after
// the function's entry has set bp to its own frame, except on a stack
// overflow in the entry itself, where the innermost caller may be missed.
func (st *instance) faultFrames(pc, bp uintptr, pos uint32) []vm.Frame {
	mc := st.mc
	if st.refs().stack == nil || mc.code == nil {
		return nil
	}
	var out []vm.Frame
	if i := mc.funcAt(pc); i >= 0 {
		off := -1
		if pos != 0 && pos != amd64.PosPrologue {
			off = int(pos)
		}
		out = append(out, vm.Frame{Func: st.inst.Func(mc.m.NumImportedFuncs + uint32(i)), Offset: off})
	}
	return st.walk(out, bp)
}

// addFrame appends the frame of return address ret; false when ret is not
// in one of this module's functions.
func (st *instance) addFrame(out []vm.Frame, ret uintptr) ([]vm.Frame, bool) {
	mc := st.mc
	i := mc.funcAt(ret)
	if i < 0 {
		return out, false
	}
	pos, _ := mc.tables.posAt(int(ret - mc.code.Addr()))
	if pos == amd64.PosPrologue {
		return out, true // not started: its caller reports the call
	}
	off := -1
	if pos != 0 {
		off = int(pos)
	}
	return append(out, vm.Frame{Func: st.inst.Func(mc.m.NumImportedFuncs + uint32(i)), Offset: off}), true
}

// walk appends the callers along the frame-pointer chain from bp, up to
// maxBacktrace frames in all, reading stack words only through
// vm.Stack.Word.
func (st *instance) walk(out []vm.Frame, bp uintptr) []vm.Frame {
	ns := st.refs().stack
	for len(out) < maxBacktrace {
		up, ok1 := ns.Word(bp)
		ret, ok2 := ns.Word(bp + 8)
		if !ok1 || !ok2 {
			break
		}
		var ok bool
		if out, ok = st.addFrame(out, uintptr(ret)); !ok || uintptr(up) <= bp {
			break
		}
		bp = uintptr(up)
	}
	return out
}

// trap builds the trap of an exit: its code and the backtrace from it.
func (st *instance) trap(code abi.TrapCode, e *vm.Exit) *vm.Trap {
	return &vm.Trap{Code: code, Frames: st.frames(e.PC, e.SP, e.BP)}
}

// appendFrames adds the frames of the run stopped at an exit to a trap that
// came from a callee, within maxBacktrace.
func appendFrames(t *vm.Trap, more []vm.Frame) {
	if n := maxBacktrace - len(t.Frames); n > 0 {
		t.Frames = append(t.Frames, more[:min(n, len(more))]...)
	}
}
