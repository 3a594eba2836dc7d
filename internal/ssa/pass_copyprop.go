package ssa

// CopyProp removes trivial block parameters: a parameter whose incoming
// arguments are all one value (ignoring the parameter itself, passed
// around a loop) is that value. Its uses are rewritten and the argument
// dropped from every branch. It repeats until no parameter is trivial,
// since removing one can make others trivial.
func CopyProp(f *Func) {
	pruneOnEntry(f)
	if !anyBlockParams(f) || !anyTrivialParam(f) { // nothing to do, and no edges to list
		f.keepAnalyses()
		f.keepFold()
		return
	}
	// The substitution table (a value's entry each to fill) is made when
	// the first trivial parameter is found: in most functions none is.
	var subst []Value
	resolve := func(v Value) Value {
		for v >= 0 && int(v) < len(subst) && subst[v] != NoValue {
			v = subst[v]
		}
		return v
	}
	edges := incomingEdges(f)
	removed := false
	for changed := true; changed; {
		changed = false
		for _, b := range f.Blocks[1:] {
			for i := len(b.Params) - 1; i >= 0; i-- {
				p := b.Params[i]
				same := NoValue
				trivial := true
				for _, e := range edges[b.ID] {
					args := e.term.Targets[e.slot].Args
					if i >= len(args) {
						trivial = false
						break
					}
					a := resolve(args[i])
					if a == p || a == same {
						continue
					}
					if same != NoValue {
						trivial = false
						break
					}
					same = a
				}
				if !trivial || same == NoValue {
					continue
				}
				if subst == nil {
					subst = f.newSubst()
				}
				subst[p] = same
				removeParamAndArgs(f, b, i, edges[b.ID])
				changed, removed = true, true
			}
		}
	}
	if removed { // (a walk over every instruction)
		f.ReplaceUses(subst)
	} else {
		f.keepFold()
	}
	f.keepAnalyses()
}

// anyBlockParams reports whether a block other than the entry has
// parameters.
func anyBlockParams(f *Func) bool {
	for _, b := range f.Blocks[min(1, len(f.Blocks)):] {
		if len(b.Params) > 0 {
			return true
		}
	}
	return false
}

// anyTrivialParam reports whether some parameter of a block other than
// the entry is trivial as the loop in CopyProp first finds it: every
// branch to its block passes it one value or the parameter itself, and
// at least one passes another value. In most functions none is (CopyProp
// changes 5 of regexp.test's 3,487), and one walk over the branches,
// noting each parameter's one other value in a table by value, costs
// less than listing every block's incoming edges to find that out.
func anyTrivialParam(f *Func) bool {
	s := f.scratchSpace()
	// seen[p]: 0 while no branch passed p another value, that value
	// plus one once one did, -1 once two did (or a branch passed p
	// nothing).
	seen := resize(s.paramArgs, f.NumValues())
	clear(seen)
	s.paramArgs = seen
	entry := f.Blocks[0]
	for _, b := range f.Blocks {
		t := b.Terminator()
		if t == nil {
			continue
		}
		for _, c := range t.Targets {
			to := c.Block
			if to == nil || to == entry {
				continue
			}
			for i, p := range to.Params {
				if uint(p) >= uint(len(seen)) {
					continue
				}
				if i >= len(c.Args) {
					seen[p] = -1
					continue
				}
				switch a := c.Args[i]; {
				case a == p:
				case seen[p] == 0:
					seen[p] = int32(a) + 1
				case seen[p] != int32(a)+1:
					seen[p] = -1
				}
			}
		}
	}
	for _, b := range f.Blocks[1:] {
		for _, p := range b.Params {
			if uint(p) < uint(len(seen)) && seen[p] > 0 {
				return true
			}
		}
	}
	return false
}
