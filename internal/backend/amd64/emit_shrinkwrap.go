package amd64

import "github.com/moat-run/moat/internal/backend"

// Shrink-wrapping of the frame. A function often starts by testing its
// arguments and returning at once (the base case of a recursion) without
// touching a spill slot or a callee-saved register; that path need not
// allocate the frame, save callee-saved registers or restore them. The
// prologue is then split: the entry part (call-depth count, frame pointer,
// stack check) runs first, and the frame part (frame allocation,
// callee-saved stores) runs on entry to the first block that needs it.
//
// "Light" blocks are those reachable from the entry only through blocks
// that use no slot, no callee-saved register and no call or exit (anything
// with clobbers), and that only light blocks lead to. A light block's
// return skips the frame (mov rsp, rbp; pop rbp; ret). Every edge from a
// light block to a heavy block t must be either
//   - into a t that only returns (its only instruction is the return, with
//     no moves before it): the edge goes to a light return instead, or
//   - into a t all of whose predecessors are light: the frame part is
//     emitted at the start of t, or
//   - the only edge of a block ending in a jump: the frame part is emitted
//     before the jump.
// Otherwise, or when no light block returns, the function is not wrapped.

// shrinkWrap is the plan of one function: light[b], framePartAt[b] (emit
// the frame part at the start of b), and lightReturn[b] (the label of a
// light return standing in for heavy return-only block b on light edges).
type shrinkWrap struct {
	light       []bool
	framePartAt []bool
	// framePartAtEnd[b]: emit the frame part before the jump that ends
	// light block b (its one successor has heavy predecessors too).
	framePartAtEnd []bool
	lightReturn    map[backend.BlockID]Label
}

// planShrinkWrap decides whether and how the function's frame is wrapped;
// nil means the plain prologue.
func (e *emitter) planShrinkWrap() *shrinkWrap {
	vf := e.l.vf
	n := len(vf.Blocks)
	if n == 0 || e.frame.Size == 0 && len(e.frame.CalleeSaved) == 0 {
		return nil // nothing to skip
	}
	// The blocks' predecessor lists include the allocator's edge stubs.
	if len(vf.Blocks[0].Preds) > 0 {
		return nil
	}
	heavy := resize(e.heavy, n)
	e.heavy = heavy
	for b := range vf.Blocks {
		heavy[b] = e.blockNeedsFrame(backend.BlockID(b))
	}
	if heavy[0] {
		return nil
	}
	// Light: reachable from the entry through blocks that are not heavy.
	light := make([]bool, n)
	light[0] = true
	work := []backend.BlockID{0}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range vf.Blocks[b].Succs {
			if !heavy[s] && !light[s] {
				light[s] = true
				work = append(work, s)
			}
		}
	}
	// A light block entered from a heavy one would run with the frame
	// allocated and return without restoring: make it heavy, until no
	// heavy block leads to a light one.
	for changed := true; changed; {
		changed = false
		for b := range vf.Blocks {
			if !light[b] {
				continue
			}
			for _, p := range vf.Blocks[b].Preds {
				if !light[p] {
					if b == 0 {
						return nil
					}
					light[b] = false
					changed = true
					break
				}
			}
		}
	}
	sw := &shrinkWrap{light: light, framePartAt: make([]bool, n), framePartAtEnd: make([]bool, n), lightReturn: map[backend.BlockID]Label{}}
	returns := false
	for b := range vf.Blocks {
		if !light[b] {
			continue
		}
		for _, s := range vf.Blocks[b].Succs {
			if light[s] {
				continue
			}
			allLight := true
			for _, p := range vf.Blocks[s].Preds {
				allLight = allLight && light[p]
			}
			blk := &vf.Blocks[b]
			switch {
			case e.returnOnly(s):
				if _, ok := sw.lightReturn[s]; !ok {
					sw.lightReturn[s] = e.a.NewLabel()
				}
				returns = true
			case allLight:
				sw.framePartAt[s] = true
			case len(blk.Succs) == 1 && blk.End > blk.Start && vf.Insts[blk.End-1].(*vinst).kind == vJump:
				sw.framePartAtEnd[b] = true
			default:
				return nil
			}
		}
		if last := vf.Blocks[b].End - 1; last >= vf.Blocks[b].Start && vf.Insts[last].(*vinst).kind == vReturn {
			returns = true
		}
	}
	if !returns {
		return nil
	}
	return sw
}

// blockNeedsFrame reports whether block b uses a spill slot or a
// callee-saved register, or calls or exits.
func (e *emitter) blockNeedsFrame(b backend.BlockID) bool {
	vf := e.l.vf
	blk := &vf.Blocks[b]
	uses := func(l backend.Loc) bool {
		return l.IsSlot() || l.IsReg() && Env.CalleeSaved.Has(l.Reg())
	}
	for _, ed := range e.res.EditsIn(blk.Start, blk.End) {
		if uses(ed.To) || uses(ed.From) {
			return true
		}
	}
	for i := blk.Start; i < blk.End; i++ {
		if vi := vf.Insts[i].(*vinst); vi.clobbers != 0 || vi.kind == vTailCall {
			// A tail call's epilogue restores the callee-saved registers.
			return true
		}
		for _, l := range e.res.OperandLocs(i) {
			if uses(l) {
				return true
			}
		}
	}
	return false
}

// returnOnly reports whether block b is only a return with nothing moved
// before it (its results are in place when it is entered).
func (e *emitter) returnOnly(b backend.BlockID) bool {
	blk := &e.l.vf.Blocks[b]
	return blk.End-blk.Start == 1 && e.l.vf.Insts[blk.Start].(*vinst).kind == vReturn &&
		len(e.res.EditsBefore(blk.Start)) == 0
}

// target is the label a branch of block from to block to uses.
func (e *emitter) target(from, to backend.BlockID) Label {
	from, to, stub, trap := e.thread(from, to)
	if trap {
		return stub
	}
	if e.wrap != nil && e.wrap.light[from] {
		if lb, ok := e.wrap.lightReturn[to]; ok {
			return lb
		}
	}
	return e.labels[to]
}

// lightReturns emits the light returns that stand in for return-only
// blocks on edges from light blocks.
func (e *emitter) lightReturns() {
	if e.wrap == nil {
		return
	}
	for b := range e.l.vf.Blocks {
		if lb, ok := e.wrap.lightReturn[backend.BlockID(b)]; ok {
			e.a.Bind(lb)
			e.lightEpilogue()
		}
	}
}

// lightEpilogue returns from a function whose frame part did not run.
func (e *emitter) lightEpilogue() {
	e.a.Emit(I(MOV, S64, R(RSP), R(RBP)))
	e.a.Emit(I(POP, S64, R(RBP)))
	e.ret()
}
