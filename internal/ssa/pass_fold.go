package ssa

import "math/bits"

// Fold is constant folding and algebraic simplification. It evaluates
// pure instructions whose operands are constants (see eval.go for what is
// exact enough to fold), applies identities such as x+0 = x, x*2^k = x<<k,
// x&0 = 0 and ireduce(uextend x) = x, moves constants to the right of
// commutative operations, and turns branches and traps on constant
// conditions into jumps, traps or nothing. Blocks that become unreachable
// are deleted (their code may use values of instructions that a new trap
// cut off).
//
// One walk leaves nothing Fold would fold again, so in a pipeline Fold
// returns at once when the passes since its last run gave it nothing new
// (see keepFold).
func Fold(f *Func) {
	s := f.scratchSpace()
	if s.inPipeline && s.foldDoneAt == s.run-1 {
		s.foldDoneAt = s.run
		if s.prunedAt == s.run-1 {
			s.prunedAt = s.run
		}
		f.keepAnalyses()
		f.keepGVN()
		return
	}
	if s.inPipeline {
		defer func() { s.foldDoneAt = s.run }()
	}
	fo := folder{f: f, subst: f.newSubst(), out: s.insts[:0]}
	defer func() { clear(fo.out); s.insts = fo.out[:0] }()
	cfg := f.scratchCFG()
	for _, b := range cfg.RPO {
		fo.block(b)
	}
	// Walking in RPO rewrote every use after its definition; only blocks
	// outside RPO (unreachable, deleted next) could hold stale uses.
	if len(cfg.RPO) != len(f.Blocks) && fo.substituted {
		f.ReplaceUses(fo.subst)
	}
	// With every block reachable at the start and no branch changed,
	// every block still is, and the CFG is the one computed above.
	if fo.branched || len(cfg.RPO) != len(f.Blocks) {
		removeUnreachable(f)
	} else {
		f.keepAnalyses()
	}
	f.prunedLast()
}

type folder struct {
	f     *Func
	subst []Value
	// substituted is set once subst holds a replacement: until then no
	// operand needs rewriting.
	substituted bool
	// out is the block being rebuilt, from the first change on (copying
	// set; the instructions before b.Insts[cur] copied in first): most
	// blocks change nowhere and are left as they are.
	out []*Inst
	// branched is set once a branch or trap was folded: blocks may have
	// become unreachable.
	branched bool
	b        *Block
	cur      int
	copying  bool
}

func (fo *folder) block(b *Block) {
	fo.out, fo.b, fo.copying = fo.out[:0], b, false
	for i, in := range b.Insts {
		fo.cur = i
		if fo.substituted {
			in.substituteUses(fo.subst)
		}
		if in.Op < numOpcodes && foldSkips[in.Op] {
			if fo.copying {
				fo.out = append(fo.out, in)
			}
			continue
		}
		if repl := fo.simplify(in); repl != NoValue {
			fo.subst[in.Results[0]] = repl
			fo.substituted = true
			fo.startCopy()
			continue
		}
		if in.Op == OpTrapz || in.Op == OpTrapnz {
			if c, ok := fo.f.IntConst(in.Args[0]); ok {
				fo.startCopy()
				if (c == 0) != (in.Op == OpTrapz) {
					continue // never traps
				}
				// Always traps: the rest of the block is dead.
				fo.branched = true
				trap := fo.f.newInst()
				trap.Op, trap.Trap, trap.Pos = OpTrap, in.Trap, in.Pos
				fo.out = append(fo.out, trap)
				break
			}
		}
		if fo.copying {
			fo.out = append(fo.out, in)
		}
	}
	if !fo.copying {
		return
	}
	// Copy the rebuilt list back (never longer: folded constants go to
	// the pool, a trap takes the place of the one it folds).
	if len(fo.out) > cap(b.Insts) {
		b.Insts = make([]*Inst, 0, len(fo.out))
	}
	if len(fo.out) < len(b.Insts) {
		clear(b.Insts[len(fo.out):])
	}
	b.Insts = append(b.Insts[:0], fo.out...)
}

// foldSkips is, by opcode, whether Fold leaves every instruction of it
// as it is (whatever its operands): those with side effects or that read
// memory, but the branches and conditional traps it folds. Loads, stores
// and calls, much of translated code, so skip simplify's tests.
var foldSkips = func() (t [numOpcodes]bool) {
	for op := range t {
		switch Opcode(op) {
		case OpBrif, OpBrTable, OpTrapz, OpTrapnz:
			continue
		}
		t[op] = opFlagTable[op]&(flagSideEffect|flagReadsMem) != 0
	}
	return t
}()

// startCopy starts rebuilding the block at its current instruction, which
// is dropped, replaced or preceded by a new one.
func (fo *folder) startCopy() {
	if !fo.copying {
		fo.copying = true
		fo.out = append(fo.out[:0], fo.b.Insts[:fo.cur]...)
	}
}

// emitConst returns the pool's constant c of type t.
func (fo *folder) emitConst(t Type, c uint64) Value {
	return fo.f.PoolConst(OpIconst, t, mask(t, c))
}

// constant returns the pool's constant of type t with bits c: the value
// that replaces an instruction folded to it.
func (fo *folder) constant(t Type, c uint64) Value {
	switch t {
	case F32:
		return fo.f.PoolConst(OpF32const, 0, c)
	case F64:
		return fo.f.PoolConst(OpF64const, 0, c)
	}
	return fo.f.PoolConst(OpIconst, t, mask(t, c))
}

func (fo *folder) constOf(v Value) (uint64, bool) {
	in, _ := fo.f.ValueInst(v)
	if in != nil && (in.Op == OpIconst || in.Op == OpF32const || in.Op == OpF64const) {
		return in.Imm, true
	}
	return 0, false
}

func (fo *folder) defOp(v Value) *Inst {
	in, _ := fo.f.ValueInst(v)
	return in
}

// simplify rewrites in in place and returns NoValue, or returns the value
// that replaces its result (an existing one, or the pool's constant it
// folds to).
func (fo *folder) simplify(in *Inst) Value {
	f := fo.f
	switch in.Op {
	case OpBrif:
		if c, ok := fo.constOf(in.Args[0]); ok {
			t := in.Targets[1]
			if c != 0 {
				t = in.Targets[0]
			}
			*in = Inst{Op: OpJump, Targets: []BlockCall{t}}
			fo.branched = true
		} else if sameCall(in.Targets[0], in.Targets[1]) {
			*in = Inst{Op: OpJump, Targets: in.Targets[:1]}
			fo.branched = true
		}
		return NoValue
	case OpBrTable:
		if c, ok := fo.constOf(in.Args[0]); ok {
			t := in.Targets[0]
			if c < uint64(len(in.Targets)-1) {
				t = in.Targets[1+c]
			}
			*in = Inst{Op: OpJump, Targets: []BlockCall{t}}
			fo.branched = true
		}
		return NoValue
	}
	if len(in.Results) != 1 || !in.IsMergeable() || in.Op.flags()&flagReadsMem != 0 {
		return NoValue
	}
	t := f.ValueType(in.Results[0])
	info := in.Op.info()
	switch {
	case in.Op == OpSelect:
		if c, ok := fo.constOf(in.Args[0]); ok {
			if c != 0 {
				return in.Args[1]
			}
			return in.Args[2]
		}
		if in.Args[1] == in.Args[2] {
			return in.Args[1]
		}
	case in.Op == OpIcmp:
		return fo.icmp(in)
	case in.Op == OpFcmp:
		x, okx := fo.constOf(in.Args[0])
		y, oky := fo.constOf(in.Args[1])
		if okx && oky {
			return fo.constant(I32, b2u(EvalFcmp(in.FloatCC, f.ValueType(in.Args[0]), x, y)))
		}
	case len(in.Args) == 2 && t.IsInt():
		return fo.intBinary(in, t)
	case len(in.Args) == 1 && info.result == resSame && t.IsInt():
		if x, ok := fo.constOf(in.Args[0]); ok {
			if r, ok := EvalIntUnary(in.Op, t, x); ok {
				return fo.constant(t, r)
			}
		} else if d := fo.defOp(in.Args[0]); in.Op == OpBnot && d != nil && d.Op == OpBnot {
			return d.Args[0]
		}
	case info.result == resSame && t.IsFloat():
		x, okx := fo.constOf(in.Args[0])
		y, oky := uint64(0), true
		if len(in.Args) == 2 {
			y, oky = fo.constOf(in.Args[1])
		}
		if okx && oky {
			if r, ok := EvalFloat(in.Op, t, x, y); ok {
				return fo.constant(t, r)
			}
		} else if d := fo.defOp(in.Args[0]); in.Op == OpFneg && d != nil && d.Op == OpFneg {
			return d.Args[0]
		}
	case info.result == resCtrl && len(in.Args) == 1:
		from := f.ValueType(in.Args[0])
		if x, ok := fo.constOf(in.Args[0]); ok {
			if r, ok := EvalConvert(in.Op, from, t, x); ok {
				return fo.constant(t, r)
			}
			return NoValue
		}
		d := fo.defOp(in.Args[0])
		if d == nil || len(d.Args) != 1 {
			return NoValue
		}
		inner := f.ValueType(d.Args[0])
		switch {
		case in.Op == OpIreduce && (d.Op == OpUextend || d.Op == OpSextend):
			return d.Args[0]
		case in.Op == OpBitcast && d.Op == OpBitcast && inner == t:
			return d.Args[0]
		}
	}
	return NoValue
}

func sameCall(a, b BlockCall) bool {
	if a.Block != b.Block || len(a.Args) != len(b.Args) {
		return false
	}
	for i := range a.Args {
		if a.Args[i] != b.Args[i] {
			return false
		}
	}
	return true
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (fo *folder) icmp(in *Inst) Value {
	t := fo.f.ValueType(in.Args[0])
	x, okx := fo.constOf(in.Args[0])
	y, oky := fo.constOf(in.Args[1])
	switch {
	case okx && oky:
		return fo.constant(I32, b2u(EvalIcmp(in.IntCC, t, x, y)))
	case okx:
		in.Args[0], in.Args[1] = in.Args[1], in.Args[0]
		in.IntCC = in.IntCC.Swap()
	case in.Args[0] == in.Args[1]:
		return fo.constant(I32, b2u(EvalIcmp(in.IntCC, t, 0, 0)))
	case oky && y == 0 && (in.IntCC == IntULT || in.IntCC == IntUGE):
		return fo.constant(I32, b2u(in.IntCC == IntUGE))
	}
	return NoValue
}

// intBinary folds and simplifies a two-operand integer instruction.
func (fo *folder) intBinary(in *Inst, t Type) Value {
	op := in.Op
	x, okx := fo.constOf(in.Args[0])
	y, oky := fo.constOf(in.Args[1])
	if okx && oky {
		if r, ok := EvalIntBinary(op, t, x, y); ok {
			return fo.constant(t, r)
		}
		return NoValue
	}
	if okx && op.IsCommutative() {
		in.Args[0], in.Args[1] = in.Args[1], in.Args[0]
		x, y, okx, oky = y, x, oky, okx
	}
	a := in.Args[0]
	ones := mask(t, ^uint64(0))
	if a == in.Args[1] {
		switch op {
		case OpIsub, OpBxor:
			return fo.constant(t, 0)
		case OpBand, OpBor:
			return a
		}
	}
	if !oky {
		return NoValue
	}
	y = mask(t, y)
	shiftMask := uint64(t.Bits() - 1)
	switch op {
	case OpIadd, OpBor, OpBxor:
		if y == 0 {
			return a
		}
		if op == OpBor && y == ones {
			return fo.constant(t, ones)
		} else if op == OpIadd {
			return fo.reassociateAdd(in, t, y)
		}
	case OpIsub:
		if y == 0 {
			return a
		}
		// x - c = x + (-c): one form for later folds and address modes.
		in.Op = OpIadd
		return fo.reassociateAdd(in, t, mask(t, -y))
	case OpIshl, OpUshr, OpSshr, OpRotl, OpRotr:
		if y&shiftMask == 0 {
			return a
		}
	case OpImul:
		switch {
		case y == 0:
			return fo.constant(t, 0)
		case y == 1:
			return a
		case bits.OnesCount64(y) == 1:
			in.Op = OpIshl
			in.Args[1] = fo.emitConst(t, uint64(bits.TrailingZeros64(y)))
		}
	case OpUdiv:
		switch {
		case y == 1:
			return a
		case y != 0 && bits.OnesCount64(y) == 1:
			in.Op = OpUshr
			in.Args[1] = fo.emitConst(t, uint64(bits.TrailingZeros64(y)))
		}
	case OpSdiv:
		if y == 1 {
			return a
		}
	case OpUrem:
		switch {
		case y == 1:
			return fo.constant(t, 0)
		case y != 0 && bits.OnesCount64(y) == 1:
			in.Op = OpBand
			in.Args[1] = fo.emitConst(t, y-1)
		}
	case OpSrem:
		if y == 1 || y == ones {
			return fo.constant(t, 0)
		}
	case OpBand:
		switch y {
		case 0:
			return fo.constant(t, 0)
		case ones:
			return a
		}
	}
	return NoValue
}

// reassociateAdd rewrites (iadd (iadd z, c1), c) as iadd z, c1+c; in is an
// iadd whose second operand is to become the constant c. It returns the
// replacement value when the constants cancel out.
func (fo *folder) reassociateAdd(in *Inst, t Type, c uint64) Value {
	if d := fo.defOp(in.Args[0]); d != nil && d.Op == OpIadd {
		if c1, ok := fo.constOf(d.Args[1]); ok {
			sum := mask(t, c1+c)
			if sum == 0 {
				return d.Args[0]
			}
			in.Args[0] = d.Args[0]
			c = sum
		}
	}
	if cur, ok := fo.constOf(in.Args[1]); !ok || mask(t, cur) != c {
		in.Args[1] = fo.emitConst(t, c)
	}
	return NoValue
}
