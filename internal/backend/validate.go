package backend

import (
	"fmt"
	"slices"
)

// Error reports vcode the allocator cannot accept, or a failed check.
type Error struct {
	Func  string
	Block BlockID
	Inst  int // instruction index, or -1
	Msg   string
}

func (e *Error) Error() string {
	if e.Inst >= 0 {
		return fmt.Sprintf("backend: %s: %v, inst %d: %s", e.Func, e.Block, e.Inst, e.Msg)
	}
	return fmt.Sprintf("backend: %s: %v: %s", e.Func, e.Block, e.Msg)
}

func (f *Func) errorf(b BlockID, inst int, format string, args ...any) *Error {
	return &Error{Func: f.Name, Block: b, Inst: inst, Msg: fmt.Sprintf(format, args...)}
}

// checkEnv reports a MachineEnv the allocator cannot work with.
func checkEnv(env *MachineEnv) error {
	seen := RegSet(0)
	for c := range env.Allocatable {
		if len(env.Allocatable[c]) == 0 {
			continue
		}
		s := env.Scratch[c]
		if !s.Valid() || s.Class() != RegClass(c) {
			return fmt.Errorf("backend: env: class %v needs a scratch register", RegClass(c))
		}
		for _, r := range env.Allocatable[c] {
			if !r.Valid() || r.Class() != RegClass(c) || seen.Has(r) || r == s {
				return fmt.Errorf("backend: env: bad allocatable register %v in class %v", r, RegClass(c))
			}
			seen = seen.With(r)
		}
		if env.SlotSize[c] <= 0 {
			return fmt.Errorf("backend: env: class %v has no slot size", RegClass(c))
		}
	}
	if env.NewJump == nil {
		return fmt.Errorf("backend: env: NewJump is nil")
	}
	return nil
}

// Validate checks the structural rules Allocate relies on: contiguous
// blocks ending in one terminator, known registers of matching classes,
// block arguments matching parameters, and operand constraints that can be
// met. It never panics.
func (f *Func) Validate(env *MachineEnv) error {
	return f.validate(env, make([]int32, f.NumVRegs()), nil, nil)
}

// validate is Validate reading the instructions' flat records; mark is a
// zeroed slice, one per vreg. If moves is not nil, moves[i] is set to
// instruction i's move registers (both InvalidVReg if it is not a move),
// and the instructions with fixed-register operands (among others off the
// fast path, in order) are appended to *special.
func (f *Func) validate(env *MachineEnv, mark []int32, moves []moveRegs, special *[]int32) error {
	if len(f.Blocks) == 0 {
		return f.errorf(0, -1, "function has no blocks")
	}
	if len(f.Blocks[0].Params) != 0 {
		return f.errorf(0, -1, "entry block has parameters (define arguments with fixed defs)")
	}
	if len(f.recs) != len(f.Insts) {
		return f.errorf(0, -1, "%d instruction records for %d instructions", len(f.recs), len(f.Insts))
	}
	alloc := env.allocatableSet()
	var nAlloc [NumClasses]int
	minAlloc := alloc.Len()
	for c := range nAlloc {
		nAlloc[c] = len(env.Allocatable[c])
		if nAlloc[c] > 0 {
			minAlloc = min(minAlloc, nAlloc[c])
		}
	}
	pos := 0
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		id := BlockID(bi)
		if b.Start != pos || b.End <= b.Start || b.End > len(f.Insts) {
			return f.errorf(id, -1, "instructions [%d,%d) are not contiguous with the previous block or empty", b.Start, b.End)
		}
		pos = b.End
		if len(b.Succs) != len(b.SuccArgs) {
			return f.errorf(id, -1, "%d successors but %d argument lists", len(b.Succs), len(b.SuccArgs))
		}
		for _, p := range b.Params {
			if _, ok := f.Class(p); !ok || p < NumPinned || mark[p] == int32(bi+1) {
				return f.errorf(id, -1, "bad or repeated parameter %v", p)
			}
			mark[p] = int32(bi + 1)
		}
		for k, s := range b.Succs {
			if int(s) >= len(f.Blocks) || s == 0 {
				return f.errorf(id, -1, "bad successor %v", s)
			}
			params := f.Blocks[s].Params
			if len(b.SuccArgs[k]) != len(params) {
				return f.errorf(id, -1, "%v takes %d arguments, got %d", s, len(params), len(b.SuccArgs[k]))
			}
			for j, a := range b.SuccArgs[k] {
				ca, ok := f.Class(a)
				cp, _ := f.Class(params[j])
				if !ok || a < NumPinned || ca != cp {
					return f.errorf(id, -1, "argument %d to %v: bad register %v", j, s, a)
				}
			}
		}
		for i := b.Start; i < b.End; i++ {
			if f.Insts[i] == nil {
				return f.errorf(id, i, "nil instruction")
			}
			rec := &f.recs[i]
			if rec.flags&FlagTerminator != 0 != (i == b.End-1) {
				return f.errorf(id, i, "terminator must be exactly the last instruction")
			}
			if rec.lo < 0 || rec.lo > rec.hi || int(rec.hi) > len(f.Ops) {
				return f.errorf(id, i, "operands [%d,%d) outside the function's %d", rec.lo, rec.hi, len(f.Ops))
			}
			iops := f.Ops[rec.lo:rec.hi]
			if !f.plainOperands(iops, &nAlloc, minAlloc, alloc) {
				if err := f.checkOperands(id, i, iops, &nAlloc, alloc); err != nil {
					return err
				}
				if special != nil {
					*special = append(*special, int32(i))
				}
			}
			d, s := InvalidVReg, InvalidVReg
			if rec.flags&(FlagMove|flagBadMove) != 0 {
				if rec.flags&flagBadMove != 0 || len(iops) != 2 || iops[0].Kind != Def || iops[1].Kind != Use {
					return f.errorf(id, i, "a move's operands must be its destination's def and its source's use")
				}
				d, s = iops[0].VReg, iops[1].VReg
				cd, ok1 := f.Class(d)
				cs, ok2 := f.Class(s)
				if !ok1 || !ok2 || cd != cs {
					return f.errorf(id, i, "move between classes")
				}
			}
			if moves != nil {
				moves[i] = moveRegs{d, s}
			}
		}
	}
	if pos != len(f.Insts) {
		return f.errorf(BlockID(len(f.Blocks)-1), -1, "instructions after the last block")
	}
	return nil
}

// moveRegs are the registers of a move instruction.
type moveRegs struct{ dst, src VReg }

// plainOperands is the fast path of checkOperands for the common shape of
// instruction: no fixed registers, at most one def (so none twice, and no
// input reused twice), an input reused only if it is an any-register use,
// and no more operands than any class has registers (so no class runs
// out). When it reports true, checkOperands would accept ops; otherwise
// checkOperands decides, and gives the error.
func (f *Func) plainOperands(ops []Operand, nAlloc *[NumClasses]int, minAlloc int, alloc RegSet) bool {
	if len(ops) > minAlloc {
		return false
	}
	classes := f.classes
	defs := 0
	for k := range ops {
		op := &ops[k]
		if op.Kind > Mod {
			return false
		}
		if p, pinned := op.VReg.PinnedReg(); pinned {
			if alloc.Has(p) || op.Constraint != AnyReg {
				return false
			}
			continue
		}
		idx := uint64(op.VReg - NumPinned)
		if idx >= uint64(len(classes)) || nAlloc[classes[idx]] == 0 {
			return false
		}
		if op.Kind != Use {
			defs++
		}
		switch op.Constraint {
		case AnyReg:
			if op.Kind == Mod && op.Early {
				return false
			}
		case RegOrStack:
			if op.Kind != Use {
				return false
			}
		case ReuseInput:
			r := uint(op.Reuse)
			if op.Kind != Def || op.Early || r >= uint(len(ops)) {
				return false
			}
			in := &ops[r]
			ri := uint64(in.VReg - NumPinned)
			if in.Kind != Use || in.Constraint != AnyReg || in.VReg < NumPinned || ri >= uint64(len(classes)) || classes[ri] != classes[idx] {
				return false
			}
		default:
			return false
		}
	}
	return defs <= 1
}

// checkOperands checks one instruction's operands; nAlloc is the number of
// allocatable registers per class.
func (f *Func) checkOperands(b BlockID, i int, ops []Operand, nAlloc *[NumClasses]int, alloc RegSet) error {
	var fixedUse, fixedDef, fixedEarly RegSet
	var needUse, needDef [NumClasses]int
	var reusedBuf [4]int
	reused := reusedBuf[:0]
	classes := f.classes
	for k := range ops {
		op := &ops[k]
		if p, pinned := op.VReg.PinnedReg(); pinned {
			if alloc.Has(p) || op.Constraint != AnyReg || op.Kind > Mod {
				return f.errorf(b, i, "operand %d: pinned %v must be a non-allocatable register without constraint", k, p)
			}
			continue
		}
		idx := uint64(op.VReg - NumPinned)
		if idx >= uint64(len(classes)) {
			return f.errorf(b, i, "operand %d: unknown register %v", k, op.VReg)
		}
		c := classes[idx]
		if nAlloc[c] == 0 {
			return f.errorf(b, i, "operand %d: no registers of class %v", k, c)
		}
		if op.Kind > Mod {
			return f.errorf(b, i, "operand %d: unknown kind", k)
		}
		if op.Kind != Use {
			for _, q := range ops[:k] {
				if q.Kind != Use && q.VReg == op.VReg {
					return f.errorf(b, i, "operand %d: %v defined twice", k, op.VReg)
				}
			}
			needDef[c]++
		}
		switch op.Constraint {
		case AnyReg: // the common case
			if op.Kind == Mod && op.Early {
				return f.errorf(b, i, "operand %d: early mod", k)
			}
			if op.Kind != Def || op.Early {
				needUse[c]++
			}
			continue
		case FixedReg:
			if !alloc.Has(op.Fixed) || op.Fixed.Class() != c || op.Kind == Mod {
				return f.errorf(b, i, "operand %d: bad fixed register %v", k, op.Fixed)
			}
			switch {
			case op.Kind == Use:
				if fixedUse.Has(op.Fixed) && !sameFixedUse(ops[:k], *op) {
					return f.errorf(b, i, "operand %d: %v fixed for two values", k, op.Fixed)
				}
				fixedUse = fixedUse.With(op.Fixed)
			case op.Early:
				if fixedEarly.Has(op.Fixed) || fixedDef.Has(op.Fixed) {
					return f.errorf(b, i, "operand %d: %v defined twice", k, op.Fixed)
				}
				fixedEarly = fixedEarly.With(op.Fixed)
			default:
				if fixedDef.Has(op.Fixed) || fixedEarly.Has(op.Fixed) {
					return f.errorf(b, i, "operand %d: %v defined twice", k, op.Fixed)
				}
				fixedDef = fixedDef.With(op.Fixed)
			}
		case ReuseInput:
			r := int(op.Reuse)
			if op.Kind != Def || op.Early || r < 0 || r >= len(ops) || ops[r].Kind != Use || slices.Contains(reused, r) ||
				(ops[r].Constraint != AnyReg && ops[r].Constraint != FixedReg) || ops[r].VReg < NumPinned {
				return f.errorf(b, i, "operand %d: bad reused input %d", k, r)
			}
			if cr, _ := f.Class(ops[r].VReg); cr != c {
				return f.errorf(b, i, "operand %d: reused input of another class", k)
			}
			reused = append(reused, r)
		case RegOrStack:
			if op.Kind != Use {
				return f.errorf(b, i, "operand %d: only uses may be on the stack", k)
			}
			continue
		default:
			return f.errorf(b, i, "operand %d: unknown constraint", k)
		}
		if op.Kind != Def || op.Early {
			needUse[c]++
		}
	}
	if fixedEarly&fixedUse != 0 {
		return f.errorf(b, i, "early def and use fixed to the same register")
	}
	for c := range needUse {
		if needUse[c] > nAlloc[c] || needDef[c] > nAlloc[c] {
			return f.errorf(b, i, "more %v operands than registers", RegClass(c))
		}
	}
	return nil
}

func sameFixedUse(prev []Operand, op Operand) bool {
	for _, p := range prev {
		if p.Kind == Use && p.Constraint == FixedReg && p.Fixed == op.Fixed && p.VReg != op.VReg {
			return false
		}
	}
	return true
}
