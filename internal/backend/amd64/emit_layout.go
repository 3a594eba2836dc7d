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
// the successor that could follow it directly.

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
	for b := range n {
		if e.pos[b] >= 0 || e.jumpOnly(backend.BlockID(b)) {
			continue
		}
		place(backend.BlockID(b))
		if s, ok := e.backEdgeStub(backend.BlockID(b)); ok {
			place(s)
		}
	}
	for b := range n {
		if e.pos[b] < 0 {
			place(backend.BlockID(b))
		}
	}
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
