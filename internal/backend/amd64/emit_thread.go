package amd64

import "github.com/moat-run/moat/internal/backend"

// Branch threading. A block that only jumps (no moves, no frame part) or
// only traps need not be visited: a branch into it goes straight to where
// it would go, so `jne .L3 … .L3: jmp .L6` becomes `jne .L6`, and a branch
// into a trap-only block goes to the trap stub. The blocks are still
// emitted (other code may fall into them); only the branch targets change.

// maxThreadHops bounds the walk along a chain of jump-only blocks (and
// ends it on a cycle of them).
const maxThreadHops = 8

// thread follows jump-only blocks from the edge from→to. It returns the
// last block on the chain whose own branch would be taken (from) and its
// target (to), or a trap stub's label (ok) when the chain ends in a
// trap-only block.
func (e *emitter) thread(from, to backend.BlockID) (backend.BlockID, backend.BlockID, Label, bool) {
	for range maxThreadHops {
		in, ok := e.onlyInst(to)
		if !ok {
			break
		}
		switch in.kind {
		case vJump:
			from, to = to, e.l.vf.Blocks[to].Succs[0]
			continue
		case vTrap:
			if code := in.templates(); len(code) == 1 && code[0].Op == JMP {
				return from, to, code[0].Args[0].Target(), true
			}
		}
		break
	}
	return from, to, 0, false
}

// onlyInst is block b's one instruction when b has nothing else to emit:
// no moves, no frame part, and it is not the entry (which has the prologue).
func (e *emitter) onlyInst(b backend.BlockID) (*vinst, bool) {
	blk := &e.l.vf.Blocks[b]
	if b == 0 || blk.End-blk.Start != 1 || len(e.res.EditsBefore(blk.Start)) != 0 {
		return nil, false
	}
	if e.wrap != nil && (e.wrap.framePartAt[b] || e.wrap.framePartAtEnd[b]) {
		return nil, false
	}
	return e.l.vf.Insts[blk.Start].(*vinst), true
}

// returnEdge reports whether the branch from→to lands on a return with
// nothing to do before it, and whether that return is light (skips the
// frame, emit_shrinkwrap.go). Such a jump is replaced by a copy of the
// return: a few instructions instead of a taken jump and the same ones.
func (e *emitter) returnEdge(from, to backend.BlockID) (light, ok bool) {
	from, to, _, trap := e.thread(from, to)
	if trap {
		return false, false
	}
	if e.wrap != nil && e.wrap.light[from] {
		if _, ok := e.wrap.lightReturn[to]; ok {
			return true, true
		}
	}
	if to == 0 || !e.returnOnly(to) {
		return false, false
	}
	if e.wrap != nil && e.wrap.framePartAt[to] {
		return false, false
	}
	return e.wrap != nil && e.wrap.light[to], true
}

// jumpOrReturn ends block b with a jump to s, or with a copy of the return
// s leads to.
func (e *emitter) jumpOrReturn(b, s backend.BlockID) {
	light, ok := e.returnEdge(b, s)
	switch {
	case !ok:
		e.a.Jump(e.target(b, s))
	case light:
		e.lightEpilogue()
	default:
		e.epilogue()
	}
}
