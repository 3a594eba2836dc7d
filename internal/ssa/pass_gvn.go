package ssa

// GVN is global value numbering of mergeable instructions (Inst.IsMergeable):
// walking the dominator tree, an instruction identical to one in a
// dominating position (same opcode, immediates and arguments, commutative
// arguments in either order) is removed and its uses take the earlier
// result.
func GVN(f *Func) {
	cfg := f.scratchCFG()
	if len(cfg.RPO) == 0 {
		return
	}
	dom := f.scratchDomTree(cfg)
	subst := f.newSubst()
	numMergeable := 0
	for _, b := range cfg.RPO {
		for _, in := range b.Insts {
			if len(in.Results) == 1 && len(in.Args) <= 3 && in.IsMergeable() {
				numMergeable++
			}
		}
	}
	table := &f.scratchSpace().gvn
	table.reset(f, numMergeable)
	type frame struct {
		b       *Block
		logLen  int
		visited bool
	}
	stack := []frame{{b: cfg.RPO[0]}}
	resolve := func(v Value) Value {
		for v >= 0 && int(v) < len(subst) && subst[v] != NoValue {
			v = subst[v]
		}
		return v
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.visited {
			// Leaving the subtree: forget its entries.
			table.undoTo(top.logLen)
			stack = stack[:len(stack)-1]
			continue
		}
		top.visited = true
		top.logLen = len(table.log)
		b := top.b
		kept := b.Insts[:0]
		for _, in := range b.Insts {
			for i, a := range in.Args {
				in.Args[i] = resolve(a)
			}
			for t := range in.Targets {
				args := in.Targets[t].Args
				for i, a := range args {
					args[i] = resolve(a)
				}
			}
			if len(in.Results) == 1 && len(in.Args) <= 3 && in.IsMergeable() {
				if prev, found := table.findOrInsert(keyOf(in), in.Results[0]); found {
					subst[in.Results[0]] = prev
					continue
				}
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
	// The walk visits every definition before its uses (a use is
	// dominated by its definition), so uses in the blocks it walked are
	// already rewritten; only unreachable blocks could hold stale ones.
	if len(cfg.RPO) != len(f.Blocks) {
		f.ReplaceUses(subst)
	}
}

// gvnKey identifies an instruction's computation.
type gvnKey struct {
	op     Opcode
	typ    Type
	n      uint8
	cc     uint8
	flags  MemFlags
	offset int32
	args   [3]Value
	imm    uint64
}

func keyOf(in *Inst) gvnKey {
	k := gvnKey{op: in.Op, typ: in.Type, n: uint8(len(in.Args)), imm: in.Imm, offset: in.Offset, flags: in.Flags}
	switch in.Op {
	case OpIcmp:
		k.cc = uint8(in.IntCC)
	case OpFcmp:
		k.cc = uint8(in.FloatCC)
	}
	copy(k.args[:], in.Args)
	if in.Op.IsCommutative() && k.args[0] > k.args[1] {
		k.args[0], k.args[1] = k.args[1], k.args[0]
	}
	return k
}

func (k *gvnKey) hash() uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(k.op) | uint64(k.typ)<<16 | uint64(k.n)<<24 | uint64(k.cc)<<32 | uint64(k.flags)<<40
	h = (h ^ uint64(uint32(k.offset))) * m
	h = (h ^ uint64(uint32(k.args[0])) ^ uint64(uint32(k.args[1]))<<32) * m
	h = (h ^ uint64(uint32(k.args[2]))) * m
	h = (h ^ k.imm) * m
	return h ^ h>>29
}

// gvnTable is GVN's scoped hash table: open addressing with linear
// probing over small slots (a hash and a value); the key of a slot is
// recomputed from the instruction that defines its value, which GVN no
// longer changes once it is in the table. Entries are only ever removed
// in the reverse order of their insertion (leaving a dominator subtree),
// and undoing the latest insertion of a linear-probing table is just
// clearing its slot, so no tombstones are needed.
type gvnTable struct {
	f     *Func
	slots []gvnSlot
	log   []int32 // inserted slot indices, in insertion order
}

type gvnSlot struct {
	hash  uint32
	value Value // plus one; 0 marks an empty slot
}

// reset empties the table and sizes it for up to n entries of f.
func (t *gvnTable) reset(f *Func, n int) {
	t.f = f
	size := 16
	for size < 2*n {
		size *= 2
	}
	switch {
	case len(t.slots) < size:
		t.slots = make([]gvnSlot, size)
	case len(t.log) > 0:
		// A run that did not finish (GVN leaves the table empty by
		// undoing everything it inserted) left entries behind.
		clear(t.slots)
	}
	t.log = t.log[:0]
}

// findOrInsert returns the value recorded for k, or records v for it.
func (t *gvnTable) findOrInsert(k gvnKey, v Value) (Value, bool) {
	mask := uint64(len(t.slots) - 1)
	h := k.hash()
	h32 := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.value == 0 {
			s.hash, s.value = h32, v+1
			t.log = append(t.log, int32(i))
			return v, false
		}
		if s.hash == h32 {
			prev := s.value - 1
			if in, _ := t.f.ValueInst(prev); in != nil && keyOf(in) == k {
				return prev, true
			}
		}
	}
}

// undoTo removes the entries inserted after the log had length n.
func (t *gvnTable) undoTo(n int) {
	for _, i := range t.log[n:] {
		t.slots[i] = gvnSlot{}
	}
	t.log = t.log[:n]
}
