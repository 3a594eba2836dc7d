package ssa

// GVN is global value numbering of mergeable instructions (Inst.IsMergeable):
// walking the dominator tree, an instruction identical to one in a
// dominating position (same opcode, immediates and arguments, commutative
// arguments in either order) is removed and its uses take the earlier
// result.
//
// GVN is idempotent: run again with no pass in between that could make two
// instructions identical (see keepGVN), it returns at once.
func GVN(f *Func) {
	s := f.scratchSpace()
	if s.inPipeline && s.gvnDoneAt == s.run-1 {
		s.gvnDoneAt = s.run
		f.keepAnalyses()
		f.keepFold()
		return
	}
	defer func() {
		if s.inPipeline {
			s.gvnDoneAt = s.run
		}
	}()
	cfg := f.scratchCFG()
	if len(cfg.RPO) == 0 {
		f.keepAnalyses()
		f.keepFold()
		return
	}
	dom := f.scratchDomTree(cfg)
	numInsts := 0 // bounds the entries; cheaper to count than mergeable ones
	for _, b := range cfg.RPO {
		numInsts += len(b.Insts)
	}
	table := &f.scratchSpace().gvn
	table.reset(f, numInsts)
	stack := append(f.scratchSpace().domStack[:0], domFrame{b: cfg.RPO[0]})
	defer func() { f.scratchSpace().domStack = stack[:0] }()
	foldable := false
	// subst is made at the first merge: until then no operand has an
	// entry in it. (The builder's numbering leaves GVN's first run few
	// merges: in many functions it substitutes nothing.)
	var subst []Value
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
		kept := 0 // b.Insts[:kept] are the instructions kept so far
		for i, in := range b.Insts {
			if subst != nil && in.substituteUses(subst) && in.hasEqualOperands() {
				// Merging made two operands equal (x-x, say): Fold has
				// something new.
				foldable = true
			}
			if len(in.Results) == 1 && len(in.Args) <= 3 && in.IsMergeable() {
				if prev, found := table.findOrInsert(in); found {
					if subst == nil {
						subst = f.newSubst()
					}
					subst[in.Results[0]] = prev
					continue
				}
			}
			if kept != i { // (no store while nothing was removed)
				b.Insts[kept] = in
			}
			kept++
		}
		clear(b.Insts[kept:])
		b.Insts = b.Insts[:kept]
		kids := dom.Children(b)
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, domFrame{b: kids[i]})
		}
	}
	// The walk visits every definition before its uses (a use is
	// dominated by its definition), so uses in the blocks it walked are
	// already rewritten; only unreachable blocks could hold stale ones.
	if len(cfg.RPO) != len(f.Blocks) && subst != nil {
		f.ReplaceUses(subst)
	}
	f.scratchDomTree(cfg) // current: GVN changed no branch
	f.keepAnalyses()
	if !foldable {
		f.keepFold()
	}
}

// gvnArgs are in's arguments (at most three; missing ones are 0), the
// first two in ascending order when the opcode is commutative: identical
// computations have identical gvnArgs. (Three results rather than an
// array, which the compiler would keep on the stack, a store and a load
// per element.)
func gvnArgs(in *Inst) (a0, a1, a2 Value) {
	switch args := in.Args; len(args) {
	case 3:
		a0, a1, a2 = args[0], args[1], args[2]
	case 2:
		a0, a1 = args[0], args[1]
	case 1:
		a0 = args[0]
	}
	if a0 > a1 && in.Op.IsCommutative() {
		a0, a1 = a1, a0
	}
	return a0, a1, a2
}

// gvnCC is in's condition code (scalar or vector comparisons), the only
// immediate GVN compares besides Imm, Offset and Flags.
func gvnCC(in *Inst) uint8 {
	if in.Op >= numOpcodes {
		return 0
	}
	switch gvnCCTable[in.Op] {
	case immIntCC:
		return uint8(in.IntCC)
	case immFloatCC:
		return uint8(in.FloatCC)
	}
	return 0
}

// gvnCCTable is, by opcode, immIntCC or immFloatCC for the opcodes with
// a condition code and 0 for the others: a byte per opcode stays in
// cache where opInfo rows do not.
var gvnCCTable = func() (t [numOpcodes]immKind) {
	for op := range t {
		if k := opTable[op].imm; k == immIntCC || k == immFloatCC {
			t[op] = k
		}
	}
	return t
}()

// gvnHash hashes what sameComputation compares.
func gvnHash(in *Inst) uint64 {
	const m = 0x9E3779B97F4A7C15
	a0, a1, a2 := gvnArgs(in)
	h := uint64(in.Op) | uint64(in.Type)<<16 | uint64(len(in.Args))<<24 | uint64(gvnCC(in))<<32 | uint64(in.Flags)<<40
	h = (h ^ uint64(uint32(in.Offset))) * m
	h = (h ^ uint64(uint32(a0)) ^ uint64(uint32(a1))<<32) * m
	h = (h ^ uint64(uint32(a2))) * m
	h = (h ^ in.Imm) * m
	return h ^ h>>29
}

// sameComputation reports whether x and y compute the same value: same
// opcode, type, immediates and (up to commutation) arguments.
func sameComputation(x, y *Inst) bool {
	if x.Op != y.Op || x.Type != y.Type || len(x.Args) != len(y.Args) ||
		x.Imm != y.Imm || x.Offset != y.Offset || x.Flags != y.Flags || gvnCC(x) != gvnCC(y) {
		return false
	}
	x0, x1, x2 := gvnArgs(x)
	y0, y1, y2 := gvnArgs(y)
	return x0 == y0 && x1 == y1 && x2 == y2
}

// gvnTable is GVN's scoped hash table: open addressing with linear
// probing over small slots (a hash and a value); the key of a slot is
// recomputed from the instruction that defines its value, which GVN no
// longer changes once it is in the table. Entries are only ever removed
// in the reverse order of their insertion (leaving a dominator subtree),
// and undoing the latest insertion of a linear-probing table is just
// clearing its slot, so no tombstones are needed. It holds only the
// entries of the current dominator-tree path, usually far fewer than the
// function's instructions, so it starts small (probes stay in cache) and
// doubles when half full.
type gvnTable struct {
	f     *Func
	slots []gvnSlot
	log   []int32 // inserted slot indices, in insertion order
}

type gvnSlot struct {
	hash  uint32
	value Value // plus one; 0 marks an empty slot
}

// gvnInitialSlots is the table's starting size.
const gvnInitialSlots = 1024

// reset empties the table for f, whose n instructions bound the entries.
func (t *gvnTable) reset(f *Func, n int) {
	t.f = f
	size := 16
	for size < 2*n && size < gvnInitialSlots {
		size *= 2
	}
	switch {
	case cap(t.slots) < size:
		t.slots = make([]gvnSlot, size)
	case len(t.log) > 0:
		// A run that did not finish (GVN leaves the table empty by
		// undoing everything it inserted) left entries behind.
		clear(t.slots[:cap(t.slots)])
		t.slots = t.slots[:size]
	default:
		t.slots = t.slots[:size] // empty: the last run undid every entry
	}
	t.log = t.log[:0]
}

// findOrInsert returns the result of an earlier instruction that computes
// what in does, or records in's result.
func (t *gvnTable) findOrInsert(in *Inst) (Value, bool) {
	v := in.Results[0]
	mask := uint64(len(t.slots) - 1)
	h := gvnHash(in)
	h32 := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.value == 0 {
			s.hash, s.value = h32, v+1
			t.log = append(t.log, int32(i))
			if 2*len(t.log) > len(t.slots) {
				t.grow()
			}
			return v, false
		}
		if s.hash == h32 {
			prev := s.value - 1
			if d, _ := t.f.ValueInst(prev); d != nil && sameComputation(d, in) {
				return prev, true
			}
		}
	}
}

// grow doubles the table, reinserting the entries in their order so that
// the log names their new slots (undoing still clears the latest first).
func (t *gvnTable) grow() {
	old := t.slots
	t.slots = make([]gvnSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for k, oi := range t.log {
		e := old[oi]
		i := uint64(0)
		if d, _ := t.f.ValueInst(e.value - 1); d != nil {
			i = gvnHash(d) & mask
		}
		for t.slots[i].value != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = e
		t.log[k] = int32(i)
	}
}

// undoTo removes the entries inserted after the log had length n.
func (t *gvnTable) undoTo(n int) {
	for _, i := range t.log[n:] {
		t.slots[i] = gvnSlot{}
	}
	t.log = t.log[:n]
}
