package backend

import "slices"

// finish shares spill slots, resolves the block edges into moves, and builds
// the Result.
func (a *allocator) finish() (*Result, error) {
	a.shareSlots()
	for i := range a.locs {
		a.locs[i] = a.realLoc(a.locs[i])
	}
	for i := range a.edits {
		a.edits[i].from = a.realLoc(a.edits[i].from)
		a.edits[i].to = a.realLoc(a.edits[i].to)
	}
	for c := range a.emergency {
		a.emergency[c] = a.emergency[c][:0]
	}

	nOrig := len(a.f.Blocks)
	for pi := 0; pi < nOrig; pi++ {
		for k := range a.f.Blocks[pi].Succs {
			p := &a.f.Blocks[pi] // addStub may move the blocks
			s := p.Succs[k]
			moves := a.edgeMoves(BlockID(pi), k)
			seq := a.seq.sequence(moves)
			if len(seq) == 0 {
				continue
			}
			var before int
			var phase uint8
			switch {
			case len(p.Succs) == 1 && a.opStart[p.End-1] == a.opStart[p.End] && a.clobbers[p.End-1] == 0:
				before, phase = p.End-1, 2
			case len(a.f.Blocks[s].Preds) == 1:
				before, phase = a.f.Blocks[s].Start, 0
			default:
				before, phase = a.addStub(BlockID(pi), k), 0
			}
			for _, m := range seq {
				a.emit(before, phase, m.from, m.to, m.class)
			}
		}
	}
	a.f.ComputePreds()

	res := &Result{operandLocs: a.locs, opStart: a.opStart, SlotClass: a.slotClass, Stats: a.stats}
	res.Edits = a.mergeEdits()
	res.CalleeSavedUsed = a.written & a.env.CalleeSaved
	return res, nil
}

// mergeEdits returns all edits sorted by (Before, phase), in emission order
// among equal keys. The instructions' own edits are already in order and
// the edge edits are few, so sorting only those and merging is linear in
// the common case, where sorting everything was a large part of the time.
func (a *allocator) mergeEdits() []Edit {
	cmp := func(x, y pendingEdit) int {
		if x.before != y.before {
			return int(x.before) - int(y.before)
		}
		return int(x.phase) - int(y.phase)
	}
	if !slices.IsSortedFunc(a.edits, cmp) { // not expected; stay correct anyway
		slices.SortStableFunc(a.edits, cmp)
	}
	slices.SortStableFunc(a.edgeEdits, cmp)
	out := make([]Edit, 0, len(a.edits)+len(a.edgeEdits))
	x, y := a.edits, a.edgeEdits
	for len(x) > 0 || len(y) > 0 {
		var e pendingEdit
		if len(y) == 0 || len(x) > 0 && cmp(x[0], y[0]) <= 0 {
			e, x = x[0], x[1:]
		} else {
			e, y = y[0], y[1:]
		}
		out = append(out, Edit{Before: int(e.before), From: e.from, To: e.to, Class: e.class})
	}
	return out
}

// realLoc maps a virtual slot to its shared slot.
func (a *allocator) realLoc(l Loc) Loc {
	if l.IsSlot() {
		return SlotLoc(int(a.slotMap[l.slot]))
	}
	return l
}

// slot is v's shared slot.
func (a *allocator) slot(v VReg) Loc { return SlotLoc(int(a.slotMap[v])) }

// tempSlot is the n-th spare slot of class c, for move cycles through the
// stack; spare slots are made on demand and shared by all edges.
func (a *allocator) tempSlot(c RegClass, n int) Loc {
	for len(a.emergency[c]) <= n {
		a.emergency[c] = append(a.emergency[c], len(a.slotClass))
		a.slotClass = append(a.slotClass, c)
	}
	return SlotLoc(a.emergency[c][n])
}

// addStub splits edge k of block p with a new block holding a jump, and
// returns the index of that jump (its moves go before it).
func (a *allocator) addStub(p BlockID, k int) int {
	f := a.f
	pb := &f.Blocks[p]
	s, args := pb.Succs[k], pb.SuccArgs[k]
	id := BlockID(len(f.Blocks))
	pb.Succs[k], pb.SuccArgs[k] = id, nil
	at := len(f.Insts)
	f.Insts = append(f.Insts, a.env.NewJump())
	f.Blocks = append(f.Blocks, Block{Start: at, End: at + 1, Succs: []BlockID{s}, SuccArgs: [][]VReg{args}, Stub: true})
	a.opStart = append(a.opStart, a.opStart[len(a.opStart)-1])
	a.stats.EdgeBlocks++
	return at
}

// edgeMoves lists the parallel moves that turn the state at the end of p into
// the state at the start of its successor k. The list is valid until the
// next call.
//
// The states list values in registers only (see allocateBlock), sorted by
// global, parameters last at a start; a value in neither list is in its
// valid slot on both sides and needs nothing. Merging the two lists visits
// the live-ins that matter in global order (the order of the parallel
// move, kept so the output does not depend on this representation).
func (a *allocator) edgeMoves(p BlockID, k int) []move {
	pb := &a.f.Blocks[p]
	s := pb.Succs[k]
	args := pb.SuccArgs[k]
	moves := a.moves[:0]
	pend, start := a.endState(p), a.startState(s)
	nLive := 0
	for nLive < len(start) && start[nLive].param < 0 {
		nLive++
	}
	inSlot := stateEntry{reg: NoPReg, slotValid: true}
	for i, j := 0, 0; i < nLive || j < len(pend); {
		var st, e stateEntry
		switch {
		case j == len(pend) || i < nLive && start[i].g < pend[j].g:
			st, e = start[i], inSlot
			i++
		case i == nLive || pend[j].g < start[i].g:
			e = pend[j]
			j++
			// In a register at p's end, in its slot at s's start (if live
			// there at all): only a value whose slot is stale needs work.
			if e.slotValid || !a.liveInto(s, e.g) {
				continue
			}
			st = inSlot
			st.v = e.v
		default:
			st, e = start[i], pend[j]
			i++
			j++
		}
		if st.reg == e.reg && (e.slotValid || !st.slotValid) {
			continue // already where s expects it
		}
		c := a.class(st.v)
		if st.slotValid && !e.slotValid {
			moves = append(moves, move{RegLoc(e.reg), a.slot(st.v), c})
		}
		if st.reg != NoPReg && st.reg != e.reg {
			from := RegLoc(e.reg)
			if e.reg == NoPReg {
				from = a.slot(st.v)
			}
			moves = append(moves, move{from, RegLoc(st.reg), c})
		}
	}
	for _, st := range start[nLive:] {
		src := args[st.param]
		e, ok := a.findEntry(pend, src)
		from := RegLoc(e.reg)
		if !ok {
			from = a.slot(src)
		}
		to := RegLoc(st.reg)
		if st.reg == NoPReg {
			to = a.slot(st.v)
		}
		moves = append(moves, move{from, to, a.class(st.v)})
	}
	a.moves = moves
	return moves
}

// liveInto reports whether global g is live into block b (binary search).
func (a *allocator) liveInto(b BlockID, g int32) bool {
	_, found := slices.BinarySearch(a.live.liveIn(b), g)
	return found
}

// shareSlots gives every spilled value a real slot (a.slotMap, a.slotClass);
// values whose live ranges (hulls in layout order, stretched over the edges
// that define or read them: a.hull, gathered during allocation) do not
// overlap share one. It is an interval sweep: values in order of range
// start, each taking a slot freed by a range that ended before it (a heap
// ordered by range end), else a new one.
func (a *allocator) shareSlots() {
	f := a.f
	n := f.NumVRegs()
	hl := a.hull

	// Spilled values by range start, then vreg: a counting sort over
	// instruction positions (linear; positions are < len(f.Insts)).
	count := fill(grow(a.count, len(f.Insts)+1), 0)
	a.count = count
	nSpilled := 0
	for v := NumPinned; v < n; v++ {
		if a.spilled[v] && hl[v].hi >= 0 {
			count[hl[v].lo+1]++
			nSpilled++
		}
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	order := grow(a.byStart, nSpilled)
	a.byStart = order
	for v := NumPinned; v < n; v++ {
		if a.spilled[v] && hl[v].hi >= 0 {
			order[count[hl[v].lo]] = VReg(v)
			count[hl[v].lo]++
		}
	}

	a.slotMap = grow(a.slotMap, n)
	a.slotClass = make([]RegClass, 0, 16)
	for c := range a.busy {
		a.busy[c].items = a.busy[c].items[:0]
		a.free[c] = a.free[c][:0]
	}
	for _, v := range order {
		c := a.class(v)
		busy := &a.busy[c]
		for len(busy.items) > 0 && busy.items[0].end < hl[v].lo {
			a.free[c] = append(a.free[c], busy.pop().slot)
		}
		var s int32
		if k := len(a.free[c]); k > 0 {
			s, a.free[c] = a.free[c][k-1], a.free[c][:k-1]
		} else {
			s = int32(len(a.slotClass))
			a.slotClass = append(a.slotClass, c)
		}
		a.slotMap[v] = s
		busy.push(slotUse{end: hl[v].hi, slot: s})
	}
}

type slotUse struct {
	end, slot int32
}

// slotHeap is a min-heap of slots in use by the end of their current
// value's range. It is container/heap's algorithm on a concrete type (no
// boxing of each element into an interface); keeping the same algorithm
// keeps the same slot numbering.
type slotHeap struct{ items []slotUse }

func (h *slotHeap) less(i, j int) bool { return h.items[i].end < h.items[j].end }

func (h *slotHeap) push(x slotUse) {
	h.items = append(h.items, x)
	for j := len(h.items) - 1; ; {
		i := (j - 1) / 2 // parent
		if i == j || !h.less(j, i) {
			break
		}
		h.items[i], h.items[j] = h.items[j], h.items[i]
		j = i
	}
}

func (h *slotHeap) pop() slotUse {
	n := len(h.items) - 1
	h.items[0], h.items[n] = h.items[n], h.items[0]
	for i := 0; ; {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && h.less(j2, j1) {
			j = j2
		}
		if !h.less(j, i) {
			break
		}
		h.items[i], h.items[j] = h.items[j], h.items[i]
		i = j
	}
	x := h.items[n]
	h.items = h.items[:n]
	return x
}
