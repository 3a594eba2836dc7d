package backend

import "slices"

// finish shares spill slots, resolves the block edges into moves, and builds
// the Result.
func (a *allocator) finish() (*Result, error) {
	a.shareSlots()
	for _, k := range a.slotOps {
		a.locs[k] = a.realLoc(a.locs[k])
	}
	for i := range a.edits {
		e := &a.edits[i]
		e.From, e.To = a.realLoc(e.From), a.realLoc(e.To)
	}
	for c := range a.emergency {
		a.emergency[c] = a.emergency[c][:0]
	}

	nOrig := len(a.f.Blocks)
	for pi := 0; pi < nOrig; pi++ {
		for k := range a.f.Blocks[pi].Succs {
			p := &a.f.Blocks[pi] // addStub may move the blocks
			s := p.Succs[k]
			if a.copiedFrom[s] == int32(pi) && len(a.f.Blocks[s].Params) == 0 {
				continue // s started in p's end state and takes no arguments: no moves (edgeMoves)
			}
			moves := a.edgeMoves(BlockID(pi), k)
			if len(moves) == 0 {
				continue
			}
			seq := a.seq.sequence(moves)
			if len(seq) == 0 {
				continue
			}
			// The moves go before p's jump, at the start of s, or into a
			// new block on the edge; at is the number of instruction edits
			// that come before them.
			var e pendingEdit
			switch {
			case len(p.Succs) == 1 && a.recs[p.End-1].lo == a.recs[p.End-1].hi && a.recs[p.End-1].clobbers == 0:
				e.before, e.phase, e.at = int32(p.End-1), 2, a.editsEnd[pi]
			case len(a.f.Blocks[s].Preds) == 1:
				e.before, e.at = int32(a.f.Blocks[s].Start), a.editsStart[s]
			default:
				e.before, e.at = int32(a.addStub(BlockID(pi), k)), int32(len(a.edits))
			}
			for _, m := range seq {
				a.countMove(m.from, m.to)
				e.from, e.to, e.class = m.from, m.to, m.class
				a.edgeEdits = append(a.edgeEdits, e)
			}
		}
	}
	// The stubs are in the predecessor lists already (addStub).

	var res *Result
	var edits []Edit
	if a.shared {
		res, edits = &a.res.result, a.res.edits[:0]
	} else {
		res = &Result{}
	}
	// The records are the function's: the Result of a reusing call reads
	// them in place (both stay valid until the function is reset), any
	// other keeps a copy.
	recs := a.f.recs
	if !a.shared {
		recs = slices.Clone(recs)
	}
	*res = Result{operandLocs: a.locs, recs: recs, SlotClass: a.slotClass, Stats: a.stats}
	res.Edits = a.mergeEdits(edits)
	var index []int32
	if a.shared {
		index = a.res.editStart
	}
	res.indexEdits(len(a.f.Insts), index)
	if a.shared {
		a.res.edits, a.res.editStart = res.Edits, res.editStart
	}
	res.CalleeSavedUsed = a.written & a.env.CalleeSaved
	return res, nil
}

// sharedResult is the Result of AllocateReusing and the memory it is
// built in, kept for the next call.
type sharedResult struct {
	result    Result
	locs      []Loc
	slotClass []RegClass
	edits     []Edit
	editStart []int32
}

// keep takes back the Result's slices (grown by the call) for the next call.
func (r *sharedResult) keep(locs []Loc, slotClass []RegClass) {
	if locs != nil {
		r.locs = locs
	}
	if slotClass != nil {
		r.slotClass = slotClass
	}
}

// mergeEdits returns all edits sorted by (Before, phase), in emission order
// among equal keys. The instructions' own edits (phase 1) are already in
// order, and each edge edit knows how many of them go first (at), so the
// instructions' edits are copied in runs between the edge edits.
func (a *allocator) mergeEdits(out []Edit) []Edit {
	a.sortEdgeEdits()
	if n := len(a.edits) + len(a.edgeEdits); cap(out) < n {
		out = make([]Edit, 0, n)
	}
	done := int32(0)
	for _, e := range a.edgeEdits {
		out = append(out, a.edits[done:e.at]...)
		done = e.at
		out = append(out, Edit{Before: int(e.before), From: e.from, To: e.to, Class: e.class})
	}
	return append(out, a.edits[done:]...)
}

// sortEdgeEdits sorts the edge edits by (before, phase), keeping the
// emission order among equal keys: a counting sort over the keys (phases
// 0 and 2 occur; before is an instruction index), linear in the edits and
// the instructions.
func (a *allocator) sortEdgeEdits() {
	edits := a.edgeEdits
	if len(edits) < 2 {
		return
	}
	key := func(e *pendingEdit) int { return int(e.before)*2 + int(e.phase>>1) }
	sorted := true
	for i := 1; i < len(edits) && sorted; i++ {
		sorted = key(&edits[i-1]) <= key(&edits[i])
	}
	if sorted {
		return
	}
	n := 2*len(a.f.Insts) + 2
	count := fill(grow(a.editCount, n+1), 0)
	a.editCount = count
	for i := range edits {
		count[key(&edits[i])+1]++
	}
	for k := 1; k <= n; k++ {
		count[k] += count[k-1]
	}
	out := grow(a.edgeSorted, len(edits))
	for i := range edits {
		k := key(&edits[i])
		out[count[k]] = edits[i]
		count[k]++
	}
	a.edgeEdits, a.edgeSorted = out, edits
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
	// Not f.Append: the last block filled would take the jump in.
	f.Insts = append(f.Insts, a.env.NewJump())
	f.recs = append(f.recs, instRec{lo: int32(len(f.Ops)), hi: int32(len(f.Ops)), flags: FlagTerminator})
	a.recs = f.recs
	succs, succArgs := f.pooledSucc(s, args)
	// The stub takes p's place among s's predecessors, the entry of edge
	// k (p may reach s by several), and has p as its own: the lists stay
	// right without ComputePreds, which costs a walk of every edge.
	// (Func.predArgs covers the blocks ComputePreds saw, not the stubs.)
	sp := f.Blocks[s].Preds
	for j, q := range sp {
		if q == p && f.predEdge[int(f.predStart[s])+j] == int32(k) {
			sp[j] = id
			break
		}
	}
	f.stubPreds = append(f.stubPreds, p)
	n := len(f.stubPreds)
	f.Blocks = append(f.Blocks, Block{Start: at, End: at + 1, Succs: succs, SuccArgs: succArgs, Preds: f.stubPreds[n-1 : n : n], Stub: true})
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
	moves := a.edgeBuf[:0]
	pend, start := a.endState(p), a.startState(s)
	nLive := len(start) - len(a.f.Blocks[s].Params) // every parameter has its entry, last
	// If s's start copied p's end, s's live-ins in registers are the
	// entries of pend live into s, as they are, and the others are not
	// live into s: only the parameters need moves.
	merge := a.copiedFrom[s] != int32(p)
	inSlot := stateEntry{reg: NoPReg, slotValid: true}
	for i, j := 0, 0; merge && (i < nLive || j < len(pend)); {
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
	a.edgeBuf = moves
	return moves
}

// liveInto reports whether global g is live into block b.
func (a *allocator) liveInto(b BlockID, g int32) bool { return a.live.liveInto(b, g) }

// shareSlots gives every spilled value a real slot (a.slotMap, a.slotClass);
// values whose live ranges (hulls in layout order, stretched over the edges
// that define or read them: vregState.hull, see extend) do not overlap
// share one. It is an interval sweep: values in order of range start, each
// taking a slot freed by a range that ended before it (a heap ordered by
// range end), else a new one.
func (a *allocator) shareSlots() {
	f := a.f
	n := f.NumVRegs()
	vs := a.vs

	// Spilled values by range start, then vreg. Functions spill few
	// values, so sorting the list of them costs less than a counting sort
	// over every instruction position.
	order := a.byStart[:0]
	for _, v := range a.spilledVals {
		if vs[v].hull.hi >= 0 {
			order = append(order, v)
		}
	}
	a.byStart = order
	slices.SortFunc(order, func(x, y VReg) int {
		if lx, ly := vs[x].hull.lo, vs[y].hull.lo; lx != ly {
			return int(lx - ly)
		}
		return int(x) - int(y)
	})

	a.slotMap = grow(a.slotMap, n)
	if a.shared {
		a.slotClass = a.res.slotClass[:0]
	} else {
		a.slotClass = make([]RegClass, 0, 16)
	}
	for c := range a.busy {
		a.busy[c].items = a.busy[c].items[:0]
		a.freeSlots[c] = a.freeSlots[c][:0]
	}
	for _, v := range order {
		c := a.class(v)
		busy := &a.busy[c]
		for len(busy.items) > 0 && busy.items[0].end < vs[v].hull.lo {
			a.freeSlots[c] = append(a.freeSlots[c], busy.pop().slot)
		}
		var s int32
		if k := len(a.freeSlots[c]); k > 0 {
			s, a.freeSlots[c] = a.freeSlots[c][k-1], a.freeSlots[c][:k-1]
		} else {
			s = int32(len(a.slotClass))
			a.slotClass = append(a.slotClass, c)
		}
		a.slotMap[v] = s
		busy.push(slotUse{end: vs[v].hull.hi, slot: s})
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
