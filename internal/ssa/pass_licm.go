package ssa

// LICM is loop-invariant code motion. Every loop gets a preheader (a block
// that only jumps to the header and through which all entries into the
// loop pass); then instructions that are movable (Inst.IsMovable: pure,
// unable to fault) and whose operands are all defined outside the loop are
// moved to the end of the preheader, outer loops first, so an instruction
// invariant in several nested loops leaves them all. Constants are not
// moved (they are free to rematerialise and keeping them near their uses
// lets the back end fold them into immediates); a hoisted instruction that
// uses an in-loop constant gets a copy of it in the preheader.
//
// Loops of more than MaxHoistBlocks blocks keep their instructions: a value
// hoisted out of a loop is live across all of it, and from a loop that
// large it costs liveness and allocation time in proportion to the loop,
// and a register or a spill throughout it, for a loop that rarely goes
// round often enough to repay it. Code compiled from Go is the case in
// point: each function is one loop, entered again at every resume point,
// around thousands of blocks.
func LICM(f *Func) {
	pruneOnEntry(f)
	// Hoisted instructions keep their operands (or get copies of the
	// same constants), and a preheader takes over whole entry edges: no
	// new fold opportunity.
	defer f.keepFold()
	cfg := f.scratchCFG()
	dom := f.scratchDomTree(cfg)
	s := f.scratchSpace()
	loops := f.scratchLoops(cfg, dom)
	// LICM changes no branch after the preheaders are in, so the
	// analyses computed then stay current for the next pass.
	defer f.keepAnalyses()
	if len(loops.Loops) == 0 {
		f.keepGVN()
		return
	}
	changedCFG := false
	for _, l := range loops.Loops {
		if preheaderOf(cfg, l) == nil {
			insertPreheader(f, cfg, l)
			changedCFG = true
		}
	}
	if changedCFG {
		cfg = f.recomputeCFG()
		dom = f.scratchDomTree(cfg)
		loops = f.scratchLoops(cfg, dom)
	}
	// Each value defined in a loop LICM hoists out of gets its block; a
	// value left without one is defined outside every such loop (so
	// invariant in each). Go's resumption loop, too large to hoist out
	// of, is most of a large function: its blocks outside the small
	// loops inside it need no entry.
	defBlock := resize(s.defBlock, f.NumValues())
	clear(defBlock)
	defer func() { clear(defBlock); s.defBlock = defBlock[:0] }()
	for _, l := range loops.Loops {
		if hoistPreheader(cfg, l) == nil || l.Parent != nil && hoistPreheader(cfg, l.Parent) != nil {
			continue // not hoisted out of, or inside a loop that is (recorded with it)
		}
		for _, b := range l.Blocks {
			for _, p := range b.Params {
				defBlock[p] = b
			}
			for _, in := range b.Insts {
				for _, r := range in.Results {
					defBlock[r] = b
				}
			}
		}
	}
	// Preheaders alone give GVN nothing new to merge; hoisting may.
	hoisted := false
	defer func() {
		if !hoisted {
			f.keepGVN()
		}
	}()
	inLoop := resize(s.live, f.NumBlockIDs())
	clear(inLoop)
	s.live = inLoop
	for _, l := range loops.Loops {
		ph := hoistPreheader(cfg, l)
		if ph == nil {
			continue
		}
		for _, b := range l.Blocks {
			inLoop[b.ID] = true
		}
		var moved bool
		defBlock, moved = hoistInvariants(f, l, ph, inLoop, defBlock, s)
		s.defBlock = defBlock
		hoisted = hoisted || moved
		for _, b := range l.Blocks {
			inLoop[b.ID] = false
		}
	}
}

// MaxHoistBlocks is the largest loop, in blocks, LICM hoists out of.
const MaxHoistBlocks = 128

// hoistPreheader is the preheader LICM hoists l's invariants to, or nil
// when it leaves l alone (too large, or no preheader).
func hoistPreheader(cfg *CFG, l *Loop) *Block {
	if len(l.Blocks) > MaxHoistBlocks {
		return nil
	}
	return preheaderOf(cfg, l)
}

// preheaderOf is the loop's preheader: its only predecessor from outside
// the loop, when that block ends in a jump to the header. Otherwise nil.
func preheaderOf(cfg *CFG, l *Loop) *Block {
	var outside *Block
	for _, p := range cfg.Preds[l.Header.ID] {
		if l.Contains(p) {
			continue
		}
		if outside != nil {
			return nil
		}
		outside = p
	}
	if outside == nil || !cfg.Reachable(outside) {
		return nil
	}
	if t := outside.Terminator(); t == nil || t.Op != OpJump {
		return nil
	}
	return outside
}

// insertPreheader adds a block that takes the header's parameters and
// jumps to the header, and redirects every entry edge to it.
func insertPreheader(f *Func, cfg *CFG, l *Loop) {
	h := l.Header
	ph := f.NewBlock()
	// Lay the preheader out just before the header.
	for i, b := range f.Blocks {
		if b == h {
			copy(f.Blocks[i+1:], f.Blocks[i:len(f.Blocks)-1])
			f.Blocks[i] = ph
			break
		}
	}
	args := make([]Value, len(h.Params))
	for i, p := range h.Params {
		args[i] = f.AddBlockParam(ph, f.ValueType(p))
	}
	ph.Insts = []*Inst{{Op: OpJump, Targets: []BlockCall{{Block: h, Args: args}}}}
	seen := map[*Block]bool{}
	for _, p := range cfg.Preds[h.ID] {
		if l.Contains(p) || seen[p] {
			continue
		}
		seen[p] = true
		t := p.Terminator()
		for i := range t.Targets {
			if t.Targets[i].Block == h {
				t.Targets[i].Block = ph
			}
		}
	}
}

// hoistInvariants moves l's invariant instructions to ph and reports
// whether it moved any. It lists them in s.hoisted, and ph's new
// instruction list comes from f's storage, as the builder's do.
func hoistInvariants(f *Func, l *Loop, ph *Block, inLoop []bool, defBlock []*Block, s *passScratch) ([]*Block, bool) {
	hoisted := s.hoisted[:0]
	defer func() { s.hoisted = hoisted[:0] }()
	constCopies := map[Value]Value{}
	invariant := func(v Value) bool {
		if f.IsPoolConst(v) {
			return true // defined before the entry
		}
		if v < 0 || int(v) >= len(defBlock) {
			return false
		}
		b := defBlock[v]
		return b == nil || !inLoop[b.ID]
	}
	for _, b := range l.Blocks {
		kept := b.Insts[:0]
		for _, in := range b.Insts {
			if !in.IsMovable() || len(in.Args) == 0 || !hoistable(f, in, invariant) {
				kept = append(kept, in)
				continue
			}
			for i, a := range in.Args {
				if invariant(a) {
					continue
				}
				// An in-loop constant: copy it to the preheader.
				c, ok := constCopies[a]
				if !ok {
					orig, _ := f.ValueInst(a)
					cp := f.newInst()
					cp.Op, cp.Type, cp.Imm = orig.Op, orig.Type, orig.Imm
					f.MakeResults(cp)
					c = cp.Results[0]
					defBlock = growDefs(defBlock, c)
					defBlock[c] = ph
					constCopies[a] = c
					hoisted = append(hoisted, cp)
				}
				in.Args[i] = c
			}
			hoisted = append(hoisted, in)
			for _, r := range in.Results {
				defBlock[r] = ph
			}
		}
		clear(b.Insts[len(kept):])
		b.Insts = kept
	}
	if len(hoisted) > 0 {
		insts := f.instListArena.take(len(ph.Insts) + len(hoisted))
		n := copy(insts, ph.Insts[:len(ph.Insts)-1])
		n += copy(insts[n:], hoisted)
		insts[n] = ph.Insts[len(ph.Insts)-1] // the terminator
		ph.Insts = insts
	}
	return defBlock, len(hoisted) > 0
}

// hoistable reports whether every operand of in is invariant or an
// in-loop constant (which can be copied).
func hoistable(f *Func, in *Inst, invariant func(Value) bool) bool {
	for _, a := range in.Args {
		if invariant(a) {
			continue
		}
		d, _ := f.ValueInst(a)
		if d == nil || d.Op != OpIconst && d.Op != OpF32const && d.Op != OpF64const && d.Op != OpVconst {
			return false
		}
	}
	return true
}

func growDefs(defs []*Block, v Value) []*Block {
	for len(defs) <= int(v) {
		defs = append(defs, nil)
	}
	return defs
}
