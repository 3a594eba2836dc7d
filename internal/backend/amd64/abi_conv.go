package amd64

import (
	"slices"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/ssa"
)

// The internal calling convention between compiled functions (System V-like;
// nothing outside moat's own code calls it):
//
//   - R15 holds the callee's execution context. It is not an argument
//     register: the first SSA parameter (ctx) simply is R15. A call through a
//     descriptor whose context is another value sets R15 before the call and
//     restores the caller's afterwards.
//   - Integer arguments go in RDI, RSI, RDX, RCX, R8, R9, float and v128
//     arguments in XMM0-XMM7, the rest on the stack in order, one 8-byte
//     word each (two for a v128, low half first), at [rsp] upwards at the
//     call (so at [rbp+16] upwards in the callee). The callee pops them
//     ("ret n"), and the caller restores its stack pointer after the call.
//     Callee-pops is what lets a tail call pass more stack arguments than
//     its caller received: it moves the return address down and the
//     callee's "ret" pops the larger area (lower_tailcall.go).
//   - Integer results come back in RAX, RDX, float and v128 results in
//     XMM0, XMM1; further results are written by the callee into the
//     stack area just above its stack arguments (word k of the "stack
//     results" at [rbp+16+8(a+k)] for a words of stack arguments), which
//     the caller reserves with the arguments' and which the callee's pop
//     leaves at [rsp+8k]. A tail call keeps the area where it is.
//   - RBX, RBP, R12-R15 are preserved by callees; every other register
//     (all XMM registers included) may be overwritten.
//   - RSP+8 is 16-byte aligned at function entry; RBP is the frame pointer.
//   - R11 and XMM15 are scratch registers: never allocated, used inside
//     instruction sequences and by the allocator to break move cycles.
var (
	intArgRegs    = []Reg{RDI, RSI, RDX, RCX, R8, R9}
	floatArgRegs  = []Reg{XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6, XMM7}
	intResultRegs = []Reg{RAX, RDX}
	floatResRegs  = []Reg{XMM0, XMM1}
	calleeSaved   = []Reg{RBX, R12, R13, R14}
)

// pregOf maps an amd64 register to the back end's PReg.
func pregOf(r Reg) backend.PReg {
	if r.IsXMM() {
		return backend.NewPReg(backend.ClassFloat, int(r-XMM0))
	}
	return backend.NewPReg(backend.ClassInt, int(r-RAX))
}

// regOf maps a PReg back to an amd64 register.
func regOf(p backend.PReg) Reg {
	if p.Class() == backend.ClassFloat {
		return XMM0 + Reg(p.HW())
	}
	return RAX + Reg(p.HW())
}

func regSet(rs ...Reg) backend.RegSet {
	var s backend.RegSet
	for _, r := range rs {
		s = s.With(pregOf(r))
	}
	return s
}

// callClobbers are the registers a call may overwrite: every caller-saved
// register of both classes.
var callClobbers = func() backend.RegSet {
	s := regSet(RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11)
	for r := XMM0; r <= XMM15; r++ {
		s = s.With(pregOf(r))
	}
	return s
}()

// allClobbers are every allocatable register: what a try_call overwrites.
var allClobbers = func() backend.RegSet {
	var s backend.RegSet
	for c := range backend.NumClasses {
		for _, p := range Env.Allocatable[c] {
			s = s.With(p)
		}
	}
	return s
}()

// exitClobbers are the registers an exit to the runtime overwrites, from the
// code's point of view: the exit sequence saves and restores the callee-saved
// registers itself (abi: an exit clobbers all but R15, RSP and RBP), so it
// looks like an ordinary call.
var exitClobbers = callClobbers

// Env is the MachineEnv of amd64: allocatable GPRs exclude RSP, RBP (frame
// pointer), R15 (context) and R11 (scratch); XMM0-XMM14 with XMM15 scratch.
// Caller-saved registers come first so that short-lived values leave the
// callee-saved ones (which cost a save in the prologue) alone.
var Env = &backend.MachineEnv{
	Allocatable: [backend.NumClasses][]backend.PReg{
		{pregOf(RAX), pregOf(RCX), pregOf(RDX), pregOf(RSI), pregOf(RDI), pregOf(R8), pregOf(R9), pregOf(R10),
			pregOf(RBX), pregOf(R12), pregOf(R13), pregOf(R14)},
		{pregOf(XMM0), pregOf(XMM1), pregOf(XMM2), pregOf(XMM3), pregOf(XMM4), pregOf(XMM5), pregOf(XMM6), pregOf(XMM7),
			pregOf(XMM8), pregOf(XMM9), pregOf(XMM10), pregOf(XMM11), pregOf(XMM12), pregOf(XMM13), pregOf(XMM14)},
	},
	CalleeSaved: regSet(calleeSaved...),
	Scratch:     [backend.NumClasses]backend.PReg{pregOf(R11), pregOf(XMM15)},
	SlotSize:    [backend.NumClasses]int{8, 16},
	NewJump:     func() backend.Inst { return &vinst{kind: vJump} },
}

// ctxReg is the context register (abi.ContextRegisterAMD64).
const ctxReg = RAX + abi.ContextRegisterAMD64

// argLoc says where argument or result k of a signature lives: a register,
// or (reg == NoReg) stack words from slot on (two for a v128).
type argLoc struct {
	reg  Reg
	slot int
}

// assignLocs places values of the given types in registers of their class
// first (XMM for floats and v128) and then in stack words, in order.
func assignLocs(types []ssa.Type, ints, floats []Reg) (locs []argLoc, stackWords int) {
	return assignLocsInto(make([]argLoc, len(types)), types, ints, floats)
}

// assignLocsInto is assignLocs into locs, of len(types).
func assignLocsInto(locs []argLoc, types []ssa.Type, ints, floats []Reg) ([]argLoc, int) {
	ni, nf, stackWords := 0, 0, 0
	for k, t := range types {
		f := classOf(t) == backend.ClassFloat
		switch {
		case f && nf < len(floats):
			locs[k] = argLoc{reg: floats[nf]}
			nf++
		case !f && ni < len(ints):
			locs[k] = argLoc{reg: ints[ni]}
			ni++
		default:
			locs[k] = argLoc{slot: stackWords}
			stackWords += wordsOf(t)
		}
	}
	return locs, stackWords
}

// valueLocs is assignLocs for the types of vals, in the lowerer's buffer
// *buf (valid until the next call with it), so that lowering calls,
// returns and parameters allocates nothing.
func (l *lowerer) valueLocs(buf *[]argLoc, vals []ssa.Value, ints, floats []Reg) ([]argLoc, int) {
	ts := l.locTypes[:0]
	for _, v := range vals {
		ts = append(ts, l.f.ValueType(v))
	}
	l.locTypes = ts
	*buf = slices.Grow((*buf)[:0], len(ts))[:len(ts)]
	return assignLocsInto(*buf, ts, ints, floats)
}

// wordsOf is the number of 8-byte words a value of type t takes on the
// stack and in value buffers: two for a v128, low half first.
func wordsOf(t ssa.Type) int {
	if t == ssa.V128 {
		return 2
	}
	return 1
}

// valueTypes are the types of vals.
func valueTypes(f *ssa.Func, vals []ssa.Value) []ssa.Type {
	ts := make([]ssa.Type, len(vals))
	for k, v := range vals {
		ts[k] = f.ValueType(v)
	}
	return ts
}
