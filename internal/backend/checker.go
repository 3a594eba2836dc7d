package backend

import (
	"fmt"
	"slices"
)

// checkState maps each location to the virtual registers whose current
// value it holds (several after copies).
type checkState map[Loc][]VReg

func (s checkState) clone() checkState {
	c := make(checkState, len(s))
	for l, vs := range s {
		c[l] = slices.Clone(vs)
	}
	return c
}

func (s checkState) holds(l Loc, v VReg) bool { return slices.Contains(s[l], v) }

// kill forgets every copy of v (v is about to get a new value).
func (s checkState) kill(v VReg) {
	for l, vs := range s {
		if i := slices.Index(vs, v); i >= 0 {
			s[l] = slices.Delete(slices.Clone(vs), i, i+1)
		}
	}
}

// meet keeps in s only what t agrees on; it reports a change.
func (s checkState) meet(t checkState) bool {
	changed := false
	for l, vs := range s {
		var keep []VReg
		for _, v := range vs {
			if t.holds(l, v) {
				keep = append(keep, v)
			}
		}
		if len(keep) != len(vs) {
			changed = true
			if len(keep) == 0 {
				delete(s, l)
			} else {
				s[l] = keep
			}
		}
	}
	return changed
}

// Check verifies an allocation independently of the allocator: it executes
// f symbolically, tracking which virtual values each register and slot
// holds along every path (a value is somewhere at a block entry only if it
// is there on every incoming edge), applies the edits, and checks that every
// operand's location satisfies its constraint and that every use reads the
// value it names. f is the function as Allocate left it (stubs included).
func Check(f *Func, env *MachineEnv, res *Result) error {
	c := &checker{f: f, env: env, res: res, alloc: env.allocatableSet()}
	return c.run()
}

type checker struct {
	f     *Func
	env   *MachineEnv
	res   *Result
	alloc RegSet
	vis   OperandVisitor
}

func (c *checker) fail(b BlockID, i int, format string, args ...any) error {
	return &Error{Func: c.f.Name, Block: b, Inst: i, Msg: "check: " + fmt.Sprintf(format, args...)}
}

func (c *checker) run() error {
	f := c.f
	if len(c.res.recs) != len(f.Insts) {
		return c.fail(0, -1, "result covers %d instructions, function has %d", len(c.res.recs), len(f.Insts))
	}
	for _, e := range c.res.Edits {
		if e.Before < 0 || e.Before >= len(f.Insts) {
			return c.fail(0, e.Before, "edit outside the function")
		}
	}
	in := make([]checkState, len(f.Blocks))
	in[0] = checkState{}
	// States only shrink, so the loop ends; the bound is a safety net.
	for round := 0; round < 4*len(f.Blocks)+8; round++ {
		changed := false
		for bi := range f.Blocks {
			if in[bi] == nil {
				continue
			}
			st := in[bi].clone()
			if err := c.block(BlockID(bi), st); err != nil {
				return err
			}
			b := &f.Blocks[bi]
			for k, s := range b.Succs {
				out := assignParams(st, f.Blocks[s].Params, b.SuccArgs[k])
				if in[s] == nil {
					in[s] = out
					changed = true
				} else if in[s].meet(out) {
					changed = true
				}
			}
		}
		if !changed {
			return nil
		}
	}
	return c.fail(0, -1, "dataflow did not converge")
}

// assignParams models an edge: the locations holding argument j now also
// hold parameter j, and stale values of the parameters are forgotten.
func assignParams(st checkState, params, args []VReg) checkState {
	out := make(checkState, len(st))
	for l, vs := range st {
		var nv []VReg
		for _, v := range vs {
			if !slices.Contains(params, v) {
				nv = append(nv, v)
			}
		}
		for j, a := range args {
			if j < len(params) && slices.Contains(vs, a) {
				nv = append(nv, params[j])
			}
		}
		if len(nv) > 0 {
			out[l] = nv
		}
	}
	return out
}

func (c *checker) block(b BlockID, st checkState) error {
	blk := &c.f.Blocks[b]
	for i := blk.Start; i < blk.End; i++ {
		for _, e := range c.res.EditsBefore(i) {
			if err := c.edit(b, i, e, st); err != nil {
				return err
			}
		}
		if err := c.inst(b, i, st); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) locClass(l Loc) (RegClass, bool) {
	switch {
	case l.IsReg():
		return l.Reg().Class(), l.Reg().Valid()
	case l.IsSlot():
		if l.Slot() < len(c.res.SlotClass) {
			return c.res.SlotClass[l.Slot()], true
		}
	}
	return 0, false
}

func (c *checker) edit(b BlockID, i int, e Edit, st checkState) error {
	fc, ok1 := c.locClass(e.From)
	tc, ok2 := c.locClass(e.To)
	switch {
	case !ok1 || !ok2 || fc != e.Class || tc != e.Class:
		return c.fail(b, i, "edit %v: bad locations or classes", e)
	case e.From.IsSlot() && e.To.IsSlot():
		return c.fail(b, i, "edit %v: slot to slot", e)
	case e.From == e.To:
		return c.fail(b, i, "edit %v: no-op", e)
	case e.To.IsReg() && !c.alloc.Has(e.To.Reg()) && e.To.Reg() != c.env.Scratch[e.Class]:
		return c.fail(b, i, "edit %v: writes a reserved register", e)
	case e.To.IsReg() && c.env.CalleeSaved.Has(e.To.Reg()) && !c.res.CalleeSavedUsed.Has(e.To.Reg()):
		return c.fail(b, i, "edit %v: callee-saved register not reported", e)
	}
	if vs, ok := st[e.From]; ok {
		st[e.To] = slices.Clone(vs)
	} else {
		delete(st, e.To)
	}
	return nil
}

func (c *checker) inst(b BlockID, i int, st checkState) error {
	c.vis.Reset()
	c.f.Insts[i].Operands(&c.vis)
	ops := c.vis.List()
	locs := c.res.OperandLocs(i)
	if len(locs) != len(ops) {
		return c.fail(b, i, "%d operands, %d locations", len(ops), len(locs))
	}
	var defLocs []Loc
	for k, op := range ops {
		l := locs[k]
		if p, ok := op.VReg.PinnedReg(); ok {
			if l != RegLoc(p) {
				return c.fail(b, i, "operand %d: pinned %v at %v", k, p, l)
			}
			continue
		}
		vc, _ := c.f.Class(op.VReg)
		lc, ok := c.locClass(l)
		if !ok || lc != vc {
			return c.fail(b, i, "operand %d (%v): location %v of the wrong class", k, op.VReg, l)
		}
		if l.IsSlot() && !(op.Kind == Use && op.Constraint == RegOrStack) {
			return c.fail(b, i, "operand %d (%v): in a slot but needs a register", k, op.VReg)
		}
		if l.IsReg() && !c.alloc.Has(l.Reg()) {
			return c.fail(b, i, "operand %d (%v): unallocatable register %v", k, op.VReg, l)
		}
		if op.Constraint == FixedReg && l != RegLoc(op.Fixed) {
			return c.fail(b, i, "operand %d (%v): at %v, fixed to %v", k, op.VReg, l, op.Fixed)
		}
		if op.Kind != Use {
			if op.Constraint == ReuseInput && l != locs[op.Reuse] {
				return c.fail(b, i, "operand %d (%v): at %v, must reuse input %d at %v", k, op.VReg, l, op.Reuse, locs[op.Reuse])
			}
			if c.env.CalleeSaved.Has(l.Reg()) && !c.res.CalleeSavedUsed.Has(l.Reg()) {
				return c.fail(b, i, "operand %d: callee-saved %v written but not reported", k, l)
			}
			if slices.Contains(defLocs, l) {
				return c.fail(b, i, "operand %d (%v): two defs in %v", k, op.VReg, l)
			}
			defLocs = append(defLocs, l)
		}
		if op.Kind != Def && !st.holds(l, op.VReg) {
			return c.fail(b, i, "operand %d: reads %v from %v, which holds %v", k, op.VReg, l, st[l])
		}
	}
	// Early defs must not land on anything the instruction reads; no use may
	// be in a register the instruction clobbers unless it dies (it is the
	// state after that matters, checked by later uses).
	for k, op := range ops {
		if op.Kind != Def || !op.Early || op.VReg < NumPinned {
			continue
		}
		for j, u := range ops {
			if u.Kind != Def && u.VReg >= NumPinned && locs[j] == locs[k] {
				return c.fail(b, i, "early def %d shares %v with use %d", k, locs[k], j)
			}
		}
	}
	for r := range regsOf(c.f.Insts[i].Clobbers()) {
		delete(st, RegLoc(r))
	}
	for k, op := range ops {
		if op.Kind == Use || op.VReg < NumPinned {
			continue
		}
		st.kill(op.VReg)
		st[locs[k]] = []VReg{op.VReg}
	}
	return nil
}
