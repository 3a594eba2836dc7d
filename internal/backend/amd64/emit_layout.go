package amd64

import (
	"sort"

	"github.com/moat-run/moat/internal/backend"
)

// Emission order of the blocks. Every branch names its target, so any
// order is correct; the order only decides which branches fall through.
// It is the vcode order except for the allocator's edge stubs, which come
// last: a stub on a loop's back edge (its target is not after its
// predecessor) is moved right after its predecessor, so the loop's
// iteration takes one jump (the stub's, to the header) instead of two
// (the branch into the stub, then the stub's jump). Blocks that only jump
// come last too: every branch into one is threaded past it
// (emit_thread.go), so in line it would only stand between a block and
// the successor that could follow it directly. And a loop's exit block
// that stands between a conditional branch and the successor that stays
// in the loop (`if (x) { ...; break }` in the middle of a loop body) moves
// to after the loop's last block: the iteration falls through its branch
// instead of taking it, and the exit, which runs once, takes the jump.
// Loops are found as the allocator finds them (alloc_loop.go): a block
// reached by a branch from itself or a later block is a header, and the
// blocks from it to the last such branch are its loop.

// layoutBlocks fills e.order (blocks in emission order) and e.pos (each
// block's place in it).
func (e *emitter) layoutBlocks() {
	vf := e.l.vf
	n := len(vf.Blocks)
	e.order = e.order[:0]
	e.pos = fillSlice(resize(e.pos, n), -1)
	place := func(b backend.BlockID) {
		e.pos[b] = int32(len(e.order))
		e.order = append(e.order, b)
	}
	e.findLoops()
	// Exits deferred to after a loop's last block, a list per block in
	// the order they were met (deferFirst, deferLast, deferNext).
	e.deferFirst = fillSlice(resize(e.deferFirst, n), -1)
	e.deferLast = resize(e.deferLast, n)
	e.deferNext = resize(e.deferNext, n)
	for b := range n {
		if e.pos[b] < 0 && !e.jumpOnly(backend.BlockID(b)) {
			if end, ok := e.loopExitInLine(backend.BlockID(b)); ok {
				e.deferNext[b] = -1
				if e.deferFirst[end] < 0 {
					e.deferFirst[end] = int32(b)
				} else {
					e.deferNext[e.deferLast[end]] = int32(b)
				}
				e.deferLast[end] = int32(b)
			} else {
				place(backend.BlockID(b))
				if s, ok := e.backEdgeStub(backend.BlockID(b)); ok {
					place(s)
				}
			}
		}
		for x := e.deferFirst[b]; x >= 0; x = e.deferNext[x] {
			place(backend.BlockID(x))
		}
	}
	for b := range n {
		if e.pos[b] < 0 {
			place(backend.BlockID(b))
		}
	}
}

// findLoops fills e.innerHead and e.innerEnd: the first and last block of
// the innermost loop holding each block (-1 outside loops). Loops are found
// as the allocator finds them (alloc_loop.go): a block reached by a branch
// from itself or a later block is a header, and the blocks from it to the
// last such branch are its loop; an edge stub on such a branch counts as
// its predecessor. The blocks are swept in order with a stack of the loops
// open (structured code nests them).
func (e *emitter) findLoops() {
	vf := e.l.vf
	n := len(vf.Blocks)
	ends := fillSlice(resize(e.loopEnds, n), -1) // by header
	for p := range vf.Blocks {
		if vf.Blocks[p].Stub {
			continue
		}
		for _, s := range vf.Blocks[p].Succs {
			if sb := &vf.Blocks[s]; sb.Stub && len(sb.Succs) == 1 {
				s = sb.Succs[0] // through the edge stub
			}
			if int(s) <= p && !vf.Blocks[s].Stub {
				ends[s] = max(ends[s], int32(p))
			}
		}
	}
	head, end := resize(e.innerHead, n), resize(e.innerEnd, n)
	open := e.openLoops[:0]
	for b := range n {
		head[b], end[b] = -1, -1
		if vf.Blocks[b].Stub {
			continue
		}
		for len(open) > 0 && ends[open[len(open)-1]] < int32(b) {
			open = open[:len(open)-1]
		}
		if ends[b] >= 0 {
			open = append(open, int32(b))
		}
		if len(open) > 0 {
			head[b] = open[len(open)-1]
			end[b] = ends[head[b]]
		}
	}
	e.loopEnds, e.innerHead, e.innerEnd, e.openLoops = ends, head, end, open
}

// loopExitInLine reports whether block b is a loop's exit standing in
// line between its one predecessor, the block before it, which ends in a
// conditional branch, and that branch's other successor, the block after
// it, in the same loop; it gives the loop's last block, after which b goes
// instead. b's own successors are all outside the loop.
func (e *emitter) loopExitInLine(b backend.BlockID) (int32, bool) {
	vf := e.l.vf
	blk := &vf.Blocks[b]
	if b == 0 || blk.Stub || int(b)+1 >= len(vf.Blocks) || len(blk.Preds) != 1 || blk.Preds[0] != b-1 {
		return 0, false
	}
	p := &vf.Blocks[b-1]
	if p.End == p.Start || vf.Insts[p.End-1].(*vinst).kind != vBrif || len(p.Succs) != 2 {
		return 0, false
	}
	other := p.Succs[0]
	if other == b {
		other = p.Succs[1]
	}
	head, end := e.innerHead[b-1], e.innerEnd[b-1]
	if other != b+1 || end < 0 || e.innerEnd[b] != end || e.innerEnd[other] != end || e.loopEnds[b] >= 0 {
		return 0, false
	}
	for _, s := range blk.Succs {
		if sb := &vf.Blocks[s]; sb.Stub && len(sb.Succs) == 1 {
			s = sb.Succs[0]
		}
		if int32(s) >= head && int32(s) <= end {
			return 0, false // b stays in the loop
		}
	}
	return end, true
}

// jumpOnly reports whether block b has nothing to emit but its jump.
func (e *emitter) jumpOnly(b backend.BlockID) bool {
	in, ok := e.onlyInst(b)
	return ok && in.kind == vJump
}

// backEdgeStub is an unplaced edge stub on a back edge out of block b,
// which ends in a conditional branch.
func (e *emitter) backEdgeStub(b backend.BlockID) (backend.BlockID, bool) {
	vf := e.l.vf
	blk := &vf.Blocks[b]
	if blk.End == blk.Start || vf.Insts[blk.End-1].(*vinst).kind != vBrif {
		return 0, false
	}
	for _, s := range blk.Succs {
		stub := &vf.Blocks[s]
		if stub.Stub && e.pos[s] < 0 && len(stub.Succs) == 1 && stub.Succs[0] <= b {
			return s, true
		}
	}
	return 0, false
}

// firstEditAt is the index of the first edit placed before instruction i
// or later.
func (e *emitter) firstEditAt(i int) int {
	edits := e.res.Edits
	return sort.Search(len(edits), func(k int) bool { return edits[k].Before >= i })
}
