package backend

import (
	"container/heap"
	"sort"
)

// finish shares spill slots, resolves the block edges into moves, and builds
// the Result.
func (a *allocator) finish() (*Result, error) {
	slotMap, slotClass := a.shareSlots()
	realLoc := func(l Loc) Loc {
		if l.IsSlot() {
			return SlotLoc(slotMap[l.slot])
		}
		return l
	}
	for i := range a.locs {
		a.locs[i] = realLoc(a.locs[i])
	}
	for i := range a.edits {
		a.edits[i].from = realLoc(a.edits[i].from)
		a.edits[i].to = realLoc(a.edits[i].to)
	}
	slot := func(v VReg) Loc { return SlotLoc(slotMap[v]) }
	emergency := [NumClasses][]int{}
	tempSlot := func(c RegClass, n int) Loc {
		for len(emergency[c]) <= n {
			emergency[c] = append(emergency[c], len(slotClass))
			slotClass = append(slotClass, c)
		}
		return SlotLoc(emergency[c][n])
	}

	nOrig := len(a.f.Blocks)
	for pi := 0; pi < nOrig; pi++ {
		a.loadEnd(BlockID(pi))
		for k := range a.f.Blocks[pi].Succs {
			p := &a.f.Blocks[pi]
			s := p.Succs[k]
			moves, err := a.edgeMoves(BlockID(pi), k, slot)
			if err != nil {
				a.unloadEnd(BlockID(pi))
				return nil, err
			}
			seq := sequenceMoves(moves, a.env, tempSlot)
			if len(seq) == 0 {
				continue
			}
			term := a.f.Insts[p.End-1]
			var before, phase int
			switch {
			case len(p.Succs) == 1 && a.opStart[p.End-1] == a.opStart[p.End] && term.Clobbers() == 0:
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
		a.unloadEnd(BlockID(pi))
	}
	a.f.ComputePreds()

	sortEdits(a.edits)
	res := &Result{operandLocs: a.locs, opStart: a.opStart, SlotClass: slotClass, Stats: a.stats}
	res.Edits = make([]Edit, len(a.edits))
	for i, e := range a.edits {
		res.Edits[i] = Edit{Before: e.before, From: e.from, To: e.to, Class: e.class}
	}
	res.CalleeSavedUsed = a.written & a.env.CalleeSaved
	return res, nil
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
// the state at the start of its successor k. p's end state is loaded.
func (a *allocator) edgeMoves(p BlockID, k int, slot func(VReg) Loc) ([]move, error) {
	pb := &a.f.Blocks[p]
	s := pb.Succs[k]
	args := pb.SuccArgs[k]
	var moves []move
	for _, st := range a.startState[s] {
		c := a.class(st.v)
		src := st.v
		if st.param >= 0 {
			src = args[st.param]
		}
		e, ok := a.endOf(src)
		if !ok || e.reg == NoPReg && !e.slotValid {
			return nil, a.f.errorf(p, -1, "internal: %v has no location at the edge to %v", src, s)
		}
		from := slot(src)
		if e.reg != NoPReg {
			from = RegLoc(e.reg)
		}
		if st.param >= 0 {
			if st.reg != NoPReg {
				moves = append(moves, move{from, RegLoc(st.reg), c})
			} else {
				moves = append(moves, move{from, slot(st.v), c})
			}
			continue
		}
		if st.slotValid && !e.slotValid {
			moves = append(moves, move{RegLoc(e.reg), slot(st.v), c})
		}
		if st.reg != NoPReg && st.reg != e.reg {
			moves = append(moves, move{from, RegLoc(st.reg), c})
		}
	}
	return moves, nil
}

// shareSlots gives every spilled value a real slot; values whose live ranges
// (hulls in layout order, stretched over the edges that define or read them)
// do not overlap share one. It returns the map from virtual slot (vreg) to
// real slot, and each real slot's class.
func (a *allocator) shareSlots() ([]int, []RegClass) {
	f := a.f
	n := f.NumVRegs()
	lo := make([]int32, n)
	hi := make([]int32, n)
	for v := range lo {
		lo[v], hi[v] = infinity, -1
	}
	extend := func(v VReg, pos int) {
		if !a.spilled[v] {
			return
		}
		if int32(pos) < lo[v] {
			lo[v] = int32(pos)
		}
		if int32(pos) > hi[v] {
			hi[v] = int32(pos)
		}
	}
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		a.live.liveIn[bi].forEach(func(g int) { extend(a.live.globals[g], b.Start) })
		a.live.liveOut[bi].forEach(func(g int) { extend(a.live.globals[g], b.End-1) })
		for _, p := range b.Params {
			extend(p, b.Start)
		}
		for k, s := range b.Succs {
			sb := &f.Blocks[s]
			for j, arg := range b.SuccArgs[k] {
				extend(arg, sb.Start)
				extend(sb.Params[j], b.End-1)
			}
		}
		for i := b.Start; i < b.End; i++ {
			for _, op := range a.instOps(i) {
				extend(op.VReg, i)
			}
		}
	}
	var order []VReg
	for v := NumPinned; v < n; v++ {
		if a.spilled[v] && hi[v] >= 0 {
			order = append(order, VReg(v))
		}
	}
	sort.Slice(order, func(x, y int) bool { return lo[order[x]] < lo[order[y]] })
	slotMap := make([]int, n)
	var classes []RegClass
	var busy [NumClasses]slotHeap
	var free [NumClasses][]int
	for _, v := range order {
		c := a.class(v)
		for busy[c].Len() > 0 && busy[c].items[0].end < lo[v] {
			free[c] = append(free[c], heap.Pop(&busy[c]).(slotUse).slot)
		}
		var s int
		if k := len(free[c]); k > 0 {
			s, free[c] = free[c][k-1], free[c][:k-1]
		} else {
			s = len(classes)
			classes = append(classes, c)
		}
		slotMap[v] = s
		heap.Push(&busy[c], slotUse{end: hi[v], slot: s})
	}
	return slotMap, classes
}

type slotUse struct {
	end  int32
	slot int
}

// slotHeap orders slots in use by the end of their current value's range.
type slotHeap struct{ items []slotUse }

func (h *slotHeap) Len() int           { return len(h.items) }
func (h *slotHeap) Less(i, j int) bool { return h.items[i].end < h.items[j].end }
func (h *slotHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *slotHeap) Push(x any)         { h.items = append(h.items, x.(slotUse)) }
func (h *slotHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
