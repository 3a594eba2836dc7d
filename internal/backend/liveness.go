package backend

// Liveness is the result of liveness analysis over a function's blocks.
//
// Only "global" registers (those that cross a block boundary: block
// parameters, block arguments, or registers touched in several blocks) are
// tracked, and the sets are sparse: each block's live-in and live-out sets
// are sorted lists of global indices, stored back to back (CSR form). In real
// and generated code a block sees a few dozen of the tens of thousands of
// globals of a large function, so dense bitsets would cost blocks × globals
// bits (quadratic) where these lists cost what is actually live.
type Liveness struct {
	// globalIndex[v] is v's index among the globals, or -1 for a
	// block-local register.
	globalIndex []int32
	globals     []VReg
	// The globals live into block b are inVals[inStart[b]:inStart[b+1]],
	// ascending; likewise outStart, outVals for live-out.
	inStart, inVals   []int32
	outStart, outVals []int32
	// hulls[g] spans the blocks where global g is live: the starts of those
	// it is live into and the ends of those it is live out of (for slot
	// sharing), in layout order.
	hulls []hull
	// fuStart, fuVals: for each block, the globals its instructions read
	// before writing them, with the position of that first read relative to
	// the block's start (next-use distances across blocks). Block parameters
	// count as unwritten here, as they always have for these distances.
	fuStart []int32
	fuVals  []firstUse
	// undefInst is the first instruction (in block order) reading a
	// block-local register its block has not written before, or -1; the
	// allocator reports it (liveness only sees registers crossing blocks).
	undefBlock BlockID
	undefInst  int
	undefVReg  VReg
	// LoopDepth is each block's loop nesting depth, from the back edges of
	// the layout (an edge to an earlier or the same block closes a loop).
	// Only ComputeLiveness fills it; the allocator does not need it.
	LoopDepth []int

	scratch liveScratch
}

// firstUse is the first read of global v in a block, pos instructions in.
type firstUse struct {
	v   VReg
	pos int32
}

// pair is a (key, value) pair for groupPairs.
type pair struct{ key, val int32 }

// liveScratch is the working memory of a liveness computation, kept so an
// Allocator reuses it from one function to the next.
type liveScratch struct {
	owner                     []int32 // per vreg: first block touching it, -1 none, -2 global
	defAt, seenAt, paramAt    []int32 // per vreg: block+1 stamps, so nothing is cleared per block
	inMark, outMark, killMark []int32 // per block: global+1 stamps for the current global
	stack                     []int32
	gen, kill, arg, in, out   []pair
	genStart, genBlocks       []int32
	killStart, killBlocks     []int32
	argStart, argBlocks       []int32
	predStart, preds          []int32
	bounds                    []hull // per block: first and last instruction
}

// LiveIn lists the registers live on entry to b (parameters excluded).
func (l *Liveness) LiveIn(b BlockID) []VReg { return l.list(l.liveIn(b)) }

// LiveOut lists the registers live on exit from b (arguments included).
func (l *Liveness) LiveOut(b BlockID) []VReg { return l.list(l.liveOut(b)) }

func (l *Liveness) liveIn(b BlockID) []int32  { return l.inVals[l.inStart[b]:l.inStart[b+1]] }
func (l *Liveness) liveOut(b BlockID) []int32 { return l.outVals[l.outStart[b]:l.outStart[b+1]] }

func (l *Liveness) firstUses(b BlockID) []firstUse { return l.fuVals[l.fuStart[b]:l.fuStart[b+1]] }

func (l *Liveness) list(gs []int32) []VReg {
	out := make([]VReg, len(gs))
	for i, g := range gs {
		out[i] = l.globals[g]
	}
	return out
}

// ComputeLiveness runs liveness analysis on a validated function whose
// Preds are computed.
func ComputeLiveness(f *Func) *Liveness {
	var ops []Operand
	opStart := make([]int, len(f.Insts)+1)
	vis := OperandVisitor{}
	for i, in := range f.Insts {
		opStart[i] = len(vis.ops)
		in.Operands(&vis)
	}
	ops = vis.ops
	opStart[len(f.Insts)] = len(ops)
	l := &Liveness{}
	l.compute(f, ops, opStart)

	// Each back edge s <- bi adds one level to blocks s..bi: a difference
	// array keeps this linear.
	nb := len(f.Blocks)
	l.LoopDepth = make([]int, nb)
	diff := make([]int, nb+1)
	for bi := range f.Blocks {
		for _, s := range f.Blocks[bi].Succs {
			if int(s) <= bi {
				diff[s]++
				diff[bi+1]--
			}
		}
	}
	for bi, d := 0, 0; bi < nb; bi++ {
		d += diff[bi]
		l.LoopDepth[bi] = d
	}
	return l
}

// compute fills l for f, whose instruction i has the operands
// ops[opStart[i]:opStart[i+1]]. It runs in time linear in the code size
// plus the size of the live sets it produces:
//
//  1. globals are found (in a fixed order: the allocator's decisions follow
//     it, so it must not change);
//  2. one pass over each block records its upward-exposed reads (gen), its
//     writes (kill), the arguments it passes, and its first reads;
//  3. for each global, liveness is propagated backwards from the blocks that
//     read it to their predecessors until a block that writes it (the
//     "path exploration" form of the dataflow: it visits each block where
//     the global is live once, instead of iterating whole sets to a fixed
//     point). It gives the same least solution as the iterative equations
//     in = gen ∪ (out − kill), out = ∪ in(succ) ∪ args.
func (l *Liveness) compute(f *Func, ops []Operand, opStart []int) {
	s := &l.scratch
	n, nb := f.NumVRegs(), len(f.Blocks)

	// 1. Globals.
	l.globalIndex = fill(grow(l.globalIndex, n), -1)
	l.globals = l.globals[:0]
	owner := fill(grow(s.owner, n), -1)
	s.owner = owner
	markGlobal := func(v VReg) {
		if v >= NumPinned && owner[v] != -2 {
			owner[v] = -2
			l.globalIndex[v] = int32(len(l.globals))
			l.globals = append(l.globals, v)
		}
	}
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		for _, p := range b.Params {
			markGlobal(p)
		}
		for _, args := range b.SuccArgs {
			for _, a := range args {
				markGlobal(a)
			}
		}
		for _, op := range ops[opStart[b.Start]:opStart[b.End]] {
			switch v, o := op.VReg, owner[op.VReg]; {
			case v < NumPinned || o == -2:
			case o == -1:
				owner[v] = int32(bi)
			case o != int32(bi):
				markGlobal(v)
			}
		}
	}
	ng := len(l.globals)

	// 2. Block summaries.
	l.undefInst = -1
	defAt := fill(grow(s.defAt, n), 0)
	seenAt := fill(grow(s.seenAt, n), 0)
	paramAt := fill(grow(s.paramAt, n), 0)
	s.defAt, s.seenAt, s.paramAt = defAt, seenAt, paramAt
	gen, kill, arg := s.gen[:0], s.kill[:0], s.arg[:0]
	l.fuStart = grow(l.fuStart, nb+1)
	l.fuVals = l.fuVals[:0]
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		stamp := int32(bi + 1)
		l.fuStart[bi] = int32(len(l.fuVals))
		for _, p := range b.Params {
			paramAt[p] = stamp
			kill = append(kill, pair{l.globalIndex[p], int32(bi)})
		}
		for _, args := range b.SuccArgs {
			for _, a := range args {
				arg = append(arg, pair{l.globalIndex[a], int32(bi)})
			}
		}
		// defAt[v] is 1 + the instruction of v's first write in this
		// block (anything <= b.Start is from an earlier block), so one
		// loop over the operands handles reads and writes: a read sees
		// only writes of earlier instructions.
		start := int32(b.Start)
		for i := b.Start; i < b.End; i++ {
			for _, op := range ops[opStart[i]:opStart[i+1]] {
				v := op.VReg
				g := l.globalIndex[v]
				if op.Kind != Def && !(defAt[v] > start && defAt[v] <= int32(i)) {
					switch {
					case g >= 0 && seenAt[v] != stamp:
						seenAt[v] = stamp
						l.fuVals = append(l.fuVals, firstUse{v, int32(i - b.Start)})
						if paramAt[v] != stamp {
							gen = append(gen, pair{g, int32(bi)})
						}
					case g < 0 && v >= NumPinned && l.undefInst < 0:
						l.undefBlock, l.undefInst, l.undefVReg = BlockID(bi), i, v
					}
				}
				if op.Kind != Use && defAt[v] <= start {
					defAt[v] = int32(i + 1)
					if g >= 0 {
						kill = append(kill, pair{g, int32(bi)})
					}
				}
			}
		}
	}
	l.fuStart[nb] = int32(len(l.fuVals))
	s.gen, s.kill, s.arg = gen, kill, arg
	s.genStart, s.genBlocks = groupPairs(gen, ng, s.genStart, s.genBlocks)
	s.killStart, s.killBlocks = groupPairs(kill, ng, s.killStart, s.killBlocks)
	s.argStart, s.argBlocks = groupPairs(arg, ng, s.argStart, s.argBlocks)

	// 3. Propagation, one global at a time; marks are stamped with g+1.
	// Predecessors and block bounds are copied into compact arrays first:
	// the walk jumps between blocks, and Block is a large struct.
	pairs := s.gen[:0]
	for b := range f.Blocks {
		for _, succ := range f.Blocks[b].Succs {
			pairs = append(pairs, pair{int32(succ), int32(b)})
		}
	}
	s.gen = pairs
	s.predStart, s.preds = groupPairs(pairs, nb, s.predStart, s.preds)
	bounds := grow(s.bounds, nb)
	for b := range f.Blocks {
		bounds[b] = hull{int32(f.Blocks[b].Start), int32(f.Blocks[b].End - 1)}
	}
	s.bounds = bounds
	l.hulls = grow(l.hulls, ng)
	s.inMark = fill(grow(s.inMark, nb), 0)
	s.outMark = fill(grow(s.outMark, nb), 0)
	s.killMark = fill(grow(s.killMark, nb), 0)
	s.in, s.out = s.in[:0], s.out[:0]
	for g := int32(0); g < int32(ng); g++ {
		l.hulls[g] = s.propagate(g)
	}
	l.inStart, l.inVals = groupPairs(s.in, nb, l.inStart, l.inVals)
	l.outStart, l.outVals = groupPairs(s.out, nb, l.outStart, l.outVals)
}

// propagate finds the blocks global g is live into and out of, appending
// (block, g) to s.in and s.out, and returns the hull of those blocks. Marks
// are stamped with g+1, so nothing is cleared between globals.
func (s *liveScratch) propagate(g int32) hull {
	stamp := g + 1
	h := hull{lo: infinity, hi: -1}
	for _, b := range s.killBlocks[s.killStart[g]:s.killStart[g+1]] {
		s.killMark[b] = stamp
	}
	s.stack = s.stack[:0] // blocks g is live into, whose predecessors to visit
	for _, b := range s.genBlocks[s.genStart[g]:s.genStart[g+1]] {
		if s.inMark[b] != stamp {
			s.addIn(b, g, &h)
		}
	}
	for _, b := range s.argBlocks[s.argStart[g]:s.argStart[g+1]] {
		s.addOut(b, g, &h)
	}
	for len(s.stack) > 0 {
		b := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		for _, p := range s.preds[s.predStart[b]:s.predStart[b+1]] {
			s.addOut(p, g, &h)
		}
	}
	return h
}

// addIn records that g is live into b.
func (s *liveScratch) addIn(b, g int32, h *hull) {
	s.inMark[b] = g + 1
	s.in = append(s.in, pair{b, g})
	h.lo, h.hi = min(h.lo, s.bounds[b].lo), max(h.hi, s.bounds[b].lo)
	s.stack = append(s.stack, b)
}

// addOut records that g is live out of p, and so into p unless p writes it.
func (s *liveScratch) addOut(p, g int32, h *hull) {
	stamp := g + 1
	if s.outMark[p] == stamp {
		return
	}
	s.outMark[p] = stamp
	s.out = append(s.out, pair{p, g})
	h.lo, h.hi = min(h.lo, s.bounds[p].hi), max(h.hi, s.bounds[p].hi)
	if s.killMark[p] != stamp && s.inMark[p] != stamp {
		s.addIn(p, g, h)
	}
}

// groupPairs sorts pairs by key into CSR form: the values of key k, in their
// order in pairs, are vals[start[k]:start[k+1]]. It is a counting sort
// (linear, stable); start and vals are reused when large enough.
func groupPairs(pairs []pair, nkeys int, start, vals []int32) ([]int32, []int32) {
	start = fill(grow(start, nkeys+1), 0)
	for _, p := range pairs {
		start[p.key+1]++
	}
	for k := 0; k < nkeys; k++ {
		start[k+1] += start[k]
	}
	vals = grow(vals, len(pairs))
	// Fill using start[k] as the cursor of key k; afterwards start[k] holds
	// the old start[k+1], so shift back by one.
	for _, p := range pairs {
		vals[start[p.key]] = p.val
		start[p.key]++
	}
	copy(start[1:], start[:nkeys])
	start[0] = 0
	return start, vals
}

// grow returns s resliced to length n, reallocated if its capacity is too
// small. The contents are unspecified: callers fill what they read.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// fill sets every element of s to x and returns s.
func fill[T any](s []T, x T) []T {
	for i := range s {
		s[i] = x
	}
	return s
}
