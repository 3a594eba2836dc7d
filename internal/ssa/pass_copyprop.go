package ssa

// CopyProp removes trivial block parameters: a parameter whose incoming
// arguments are all one value (ignoring the parameter itself, passed
// around a loop) is that value. Its uses are rewritten and the argument
// dropped from every branch. It repeats until no parameter is trivial,
// since removing one can make others trivial.
func CopyProp(f *Func) {
	pruneOnEntry(f)
	if !anyBlockParams(f) { // nothing to do, and no edges to list
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
