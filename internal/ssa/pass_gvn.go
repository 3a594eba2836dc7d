package ssa

// GVN is global value numbering of mergeable instructions (Inst.IsMergeable):
// walking the dominator tree, an instruction identical to one in a
// dominating position (same opcode, immediates and arguments, commutative
// arguments in either order) is removed and its uses take the earlier
// result.
func GVN(f *Func) {
	cfg := ComputeCFG(f)
	if len(cfg.RPO) == 0 {
		return
	}
	dom := ComputeDomTree(cfg)
	subst := f.newSubst()
	table := map[gvnKey]Value{}
	type undo struct {
		key  gvnKey
		prev Value
		had  bool
	}
	var log []undo
	type frame struct {
		b       *Block
		logLen  int
		visited bool
	}
	stack := []frame{{b: cfg.RPO[0]}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.visited {
			// Leaving the subtree: forget its entries.
			for len(log) > top.logLen {
				u := log[len(log)-1]
				log = log[:len(log)-1]
				if u.had {
					table[u.key] = u.prev
				} else {
					delete(table, u.key)
				}
			}
			stack = stack[:len(stack)-1]
			continue
		}
		top.visited = true
		top.logLen = len(log)
		b := top.b
		kept := b.Insts[:0]
		for _, in := range b.Insts {
			in.forEachUse(func(p *Value) {
				for *p >= 0 && int(*p) < len(subst) && subst[*p] != NoValue {
					*p = subst[*p]
				}
			})
			if len(in.Results) == 1 && len(in.Args) <= 3 && in.IsMergeable() {
				k := keyOf(in)
				if prev, ok := table[k]; ok {
					subst[in.Results[0]] = prev
					continue
				}
				old, had := table[k]
				log = append(log, undo{k, old, had})
				table[k] = in.Results[0]
			}
			kept = append(kept, in)
		}
		clear(b.Insts[len(kept):])
		b.Insts = kept
		kids := dom.Children(b)
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, frame{b: kids[i]})
		}
	}
	f.ReplaceUses(subst)
}

// gvnKey identifies an instruction's computation.
type gvnKey struct {
	op     Opcode
	typ    Type
	n      int
	args   [3]Value
	imm    uint64
	cc     uint8
	offset int32
	flags  MemFlags
}

func keyOf(in *Inst) gvnKey {
	k := gvnKey{op: in.Op, typ: in.Type, n: len(in.Args), imm: in.Imm, offset: in.Offset, flags: in.Flags}
	switch in.Op.info().imm {
	case immIntCC:
		k.cc = uint8(in.IntCC)
	case immFloatCC:
		k.cc = uint8(in.FloatCC)
	}
	copy(k.args[:], in.Args)
	if in.Op.IsCommutative() && k.args[0] > k.args[1] {
		k.args[0], k.args[1] = k.args[1], k.args[0]
	}
	return k
}
