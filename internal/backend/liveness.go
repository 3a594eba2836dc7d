package backend

import "slices"

// Liveness is the result of liveness analysis over a function's blocks.
//
// Only "global" registers (those that cross a block boundary: block
// parameters, block arguments, or registers touched in several blocks) are
// tracked. For each global, the blocks it is live into are kept as sorted
// ranges of block indices (layout order), the ranges of all globals back
// to back. A value lives over a stretch of consecutive blocks, so this
// costs about one range per global: memory linear in the function, where
// per-block lists (or bitsets) cost values × blocks when many values stay
// live across many blocks (1,000 locals across 10,000 if/else merges:
// 30M entries). Membership is a binary search; the allocator asks it only
// for the values it handles in a block (see scanBlock).
type Liveness struct {
	// globalIndex[v] is v's index among the globals, or -1 for a
	// block-local register.
	globalIndex []int32
	globals     []VReg
	// Global g is live into the blocks of
	// ranges[granges[g].first:granges[g].end], which span granges[g].lo
	// to granges[g].hi. Live-out sets are not stored: a block's is the
	// union of its successors' live-in sets and its arguments (outLists,
	// for LiveOut, is filled by ComputeLiveness only).
	granges []globalRanges
	ranges  []blockRange
	// The blocks no earlier block (in layout order) branches to are where
	// the allocator starts with every live-in in its slot; their live-in
	// lists are kept: the globals live into such block b are
	// lonelyVals[lonelyStart[b]:lonelyStart[b+1]], ascending (empty for
	// other blocks).
	lonelyStart, lonelyVals []int32
	// undefGlobal is a global live into the entry block (read before any
	// definition), or -1.
	undefGlobal int32
	// entries is the total size of the live-in sets.
	entries  int
	outLists [][]int32
	// hulls[g] spans the starts of the blocks global g is live into and
	// the ends of those it is live out of, in layout order (for slot
	// sharing).
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
	// MaxEntries, when positive, caps the total size of the live-in sets:
	// compute stops once they exceed it and sets Exceeded. The sets are
	// what liveness costs beyond the code's size (values × blocks in the
	// worst case), so the cap bounds its memory and time.
	MaxEntries int
	Exceeded   bool

	scratch liveScratch
}

// firstUse is the first read of global v in a block, pos instructions in.
type firstUse struct {
	v   VReg
	pos int32
}

// pair is a (key, value) pair for groupPairs.
type pair struct{ key, val int32 }

// blockRange is the blocks lo..hi, both included.
type blockRange struct{ lo, hi int32 }

// globalRanges locates a global's ranges, ranges[first:end], and the
// first and last blocks they cover (lo > hi when none).
type globalRanges struct{ lo, hi, first, end int32 }

// liveScratch is the working memory of a liveness computation, kept so an
// Allocator reuses it from one function to the next.
type liveScratch struct {
	vregs                 []liveVReg
	mark                  []int32 // per block, see propagate
	gen, kill, arg        []pair
	in                    []int32 // the blocks the current global is live into
	inMark                []int32 // per block: stamp of the last global live into it
	lonely                []bool  // per block: no earlier block branches to it
	lonelyPairs           []pair  // (block, global) for lonely blocks
	genStart, genBlocks   []int32
	killStart, killBlocks []int32
	argStart, argBlocks   []int32
	starts                []int32 // per block, and the end: its first instruction
}

// liveVReg is the per-register state of the block pass.
type liveVReg struct {
	owner    int32 // 1 + the first block touching it, 0 none yet, -1 global (zero: the state to start from)
	ownerDef bool  // written in its first block
	defAt    int32 // 1 + the instruction of its first write in the current block
	seenAt   int32 // 1 + the current block, once its first read there is recorded
	paramAt  int32 // 1 + the current block, if a parameter of it
}

// LiveIn lists the registers live on entry to b (parameters excluded).
func (l *Liveness) LiveIn(b BlockID) []VReg { return l.list(l.liveIn(nil, b)) }

// LiveOut lists the registers live on exit from b (arguments included).
func (l *Liveness) LiveOut(b BlockID) []VReg { return l.list(l.outLists[b]) }

// liveIn appends the globals live into b to dst, ascending: a test of
// every global, for tests and printing.
func (l *Liveness) liveIn(dst []int32, b BlockID) []int32 {
	for g := range l.globals {
		if l.liveInto(b, int32(g)) {
			dst = append(dst, int32(g))
		}
	}
	return dst
}

// lonelyLiveIn lists the globals live into b, a block no earlier block
// branches to (empty for any other block), ascending.
func (l *Liveness) lonelyLiveIn(b BlockID) []int32 {
	return l.lonelyVals[l.lonelyStart[b]:l.lonelyStart[b+1]]
}

// liveInto reports whether global g is live into block b. Most questions
// are about blocks outside the first and last the global is live into, and
// most globals have one range: neither needs a search.
func (l *Liveness) liveInto(b BlockID, g int32) bool {
	gr := &l.granges[g]
	x, lo, hi := int32(b), gr.first, gr.end
	if x < gr.lo || x > gr.hi {
		return false
	}
	// The last range starting at or before x (there is one, as gr.lo <= x).
	for hi-lo > 1 {
		m := int32(uint32(lo+hi) >> 1)
		if l.ranges[m].lo <= x {
			lo = m
		} else {
			hi = m
		}
	}
	return l.ranges[lo].hi >= x
}

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
	l := &Liveness{}
	l.compute(f)
	l.outLists = make([][]int32, len(f.Blocks))
	for b := range f.Blocks {
		var out []int32
		for k, succ := range f.Blocks[b].Succs {
			out = l.liveIn(out, succ)
			for _, a := range f.Blocks[b].SuccArgs[k] {
				out = append(out, l.globalIndex[a])
			}
		}
		slices.Sort(out)
		l.outLists[b] = slices.Compact(out)
	}

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

// compute fills l for f (validated, its Preds computed), reading its instructions' flat records. It runs in time linear in the code size
// plus the size of the live sets it produces:
//
//  1. one pass over each block finds the globals (in a fixed order: the
//     allocator's decisions follow it, so it must not change) and records
//     the block's upward-exposed reads (gen), its writes (kill), the
//     arguments it passes, and its first reads;
//  2. for each global, liveness is propagated backwards from the blocks that
//     read it to their predecessors until a block that writes it (the
//     "path exploration" form of the dataflow: it visits each block where
//     the global is live once, instead of iterating whole sets to a fixed
//     point). It gives the same least solution as the iterative equations
//     in = gen ∪ (out − kill), out = ∪ in(succ) ∪ args.
func (l *Liveness) compute(f *Func) {
	s := &l.scratch
	n, nb := f.NumVRegs(), len(f.Blocks)

	// 1. Globals and block summaries, in one pass. A register is global
	// once a second block touches it, which is only known later than its
	// first block's reads and writes: its reads before a write are kept by
	// register (all registers read before written in a block are globals,
	// or the code is wrong), and a write in its first block is remembered
	// until it becomes global.
	globalIndex := fill(grow(l.globalIndex, n), -1)
	l.globalIndex = globalIndex
	l.globals = l.globals[:0]
	vs := fill(grow(s.vregs, n), liveVReg{})
	s.vregs = vs
	gen, kill, arg := s.gen[:0], s.kill[:0], s.arg[:0]
	ops, recs := f.Ops, f.recs
	markGlobal := func(v VReg) int32 {
		if v < NumPinned {
			return -1
		}
		if st := &vs[v]; st.owner != -1 {
			g := int32(len(l.globals))
			if st.owner > 0 && st.ownerDef {
				kill = append(kill, pair{g, st.owner - 1})
			}
			st.owner = -1
			globalIndex[v] = g
			l.globals = append(l.globals, v)
		}
		return globalIndex[v]
	}
	fuVals := l.fuVals[:0]
	fuStart := grow(l.fuStart, nb+1)
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		stamp := int32(bi + 1)
		fuStart[bi] = int32(len(fuVals))
		for _, p := range b.Params {
			kill = append(kill, pair{markGlobal(p), int32(bi)})
			vs[p].paramAt = stamp
		}
		for _, args := range b.SuccArgs {
			for _, a := range args {
				arg = append(arg, pair{markGlobal(a), int32(bi)})
			}
		}
		// defAt is 1 + the instruction of the register's first write in
		// this block (anything <= b.Start is from an earlier block), so one
		// loop over the operands handles reads and writes: a read sees
		// only writes of earlier instructions.
		start := int32(b.Start)
		for i := b.Start; i < b.End; i++ {
			iops := ops[recs[i].lo:recs[i].hi]
			for k := range iops {
				op := &iops[k] // not a copy: the loop runs for every operand
				v := op.VReg
				if v < NumPinned {
					continue
				}
				st := &vs[v]
				switch {
				case st.owner == 0:
					st.owner = stamp
				case st.owner > 0 && st.owner != stamp:
					markGlobal(v)
				}
				if op.Kind != Def && !(st.defAt > start && st.defAt <= int32(i)) && st.seenAt != stamp {
					st.seenAt = stamp
					fuVals = append(fuVals, firstUse{v, int32(i - b.Start)})
					if st.paramAt != stamp {
						gen = append(gen, pair{int32(v), int32(bi)}) // by register, see above
					}
				}
				if op.Kind != Use && st.defAt <= start {
					st.defAt = int32(i + 1)
					if g := globalIndex[v]; g >= 0 {
						kill = append(kill, pair{g, int32(bi)})
					} else {
						st.ownerDef = true // its first block, as it is not global
					}
				}
			}
		}
	}
	fuStart[nb] = int32(len(fuVals))
	l.fuVals, l.fuStart = fuVals, fuStart
	ng := len(l.globals)

	// A register read before being written in a block that stayed local is
	// read before it is defined: report the first.
	l.undefInst = -1
	for bi := 0; bi < nb && l.undefInst < 0; bi++ {
		for _, fu := range fuVals[fuStart[bi]:fuStart[bi+1]] {
			if globalIndex[fu.v] < 0 {
				l.undefBlock, l.undefInst, l.undefVReg = BlockID(bi), f.Blocks[bi].Start+int(fu.pos), fu.v
				break
			}
		}
	}
	k := 0
	for _, p := range gen {
		if g := globalIndex[p.key]; g >= 0 {
			gen[k] = pair{g, p.val}
			k++
		}
	}
	gen = gen[:k]
	s.gen, s.kill, s.arg = gen, kill, arg
	s.genStart, s.genBlocks = groupPairs(gen, ng, s.genStart, s.genBlocks)
	s.killStart, s.killBlocks = groupPairs(kill, ng, s.killStart, s.killBlocks)
	s.argStart, s.argBlocks = groupPairs(arg, ng, s.argStart, s.argBlocks)

	// 2. Propagation, one global at a time, over the function's
	// predecessor lists (Func.ComputePreds, one array).
	starts := grow(s.starts, nb+1)
	for b := range f.Blocks {
		starts[b] = int32(f.Blocks[b].Start)
	}
	starts[nb] = int32(len(f.Insts))
	s.starts = starts
	l.hulls = grow(l.hulls, ng)
	lonely := fill(grow(s.lonely, nb), true)
	s.lonely = lonely
	for b := range f.Blocks {
		for _, succ := range f.Blocks[b].Succs {
			if int(succ) > b {
				lonely[succ] = false
			}
		}
	}
	l.granges = grow(l.granges, ng)
	l.ranges = l.ranges[:0]
	l.undefGlobal = -1
	l.Exceeded = !l.propagate(f, ng, nb)
	if l.Exceeded {
		l.granges = fill(l.granges, globalRanges{lo: 1})
		l.lonelyStart = fill(grow(l.lonelyStart, nb+1), 0)
		return
	}
	l.lonelyStart, l.lonelyVals = groupPairs(s.lonelyPairs, nb, l.lonelyStart, l.lonelyVals)
}

// propagate finds, for each global g, the blocks it is live into: from
// the blocks that read it before writing it, and the predecessors of the
// blocks it is passed to as an argument, backwards through predecessors
// until a block that writes it. It records them as ranges (appendRanges),
// adds g to the lists of the lonely blocks among them, and sets hulls[g] to
// span the starts of the blocks g is live into and the ends of those it is
// live out of. Marks are stamped with g+1, so nothing is cleared between
// globals. The slices are locals so the compiler keeps them in registers.
// It reports false, having stopped early, when MaxEntries is positive and
// the sets grow past it.
func (l *Liveness) propagate(f *Func, ng, nb int) bool {
	s, hulls, maxEntries := &l.scratch, l.hulls, l.MaxEntries
	// mark[b] == g+1 once b is known to have g live in, or to write it:
	// either way the walk stops there (one test per visited edge).
	mark := fill(grow(s.mark, nb), 0)
	s.mark = mark
	preds, predStart, starts := f.predPool, f.predStart, s.starts
	// g's entries of in, from base on, are also the walk's work queue: the
	// order of one global's blocks does not matter (they are grouped by
	// block afterwards), and no separate stack is kept.
	inMark := fill(grow(s.inMark, nb), 0)
	s.inMark = inMark
	lonely := s.lonely
	lonelyPairs := s.lonelyPairs[:0]
	in := s.in[:0]
	entries := 0
	for g := int32(0); g < int32(ng); g++ {
		if maxEntries > 0 && entries > maxEntries {
			s.in, s.lonelyPairs, l.entries = in, lonelyPairs, entries
			return false
		}
		stamp := g + 1
		in = in[:0]
		const base = 0
		for _, b := range s.genBlocks[s.genStart[g]:s.genStart[g+1]] {
			if mark[b] != stamp {
				mark[b] = stamp
				in = append(in, b)
			}
		}
		for _, b := range s.killBlocks[s.killStart[g]:s.killStart[g+1]] {
			mark[b] = stamp
		}
		// The first and last blocks g is live out of.
		outLo, outHi := int32(nb), int32(-1)
		// Live out of p (an argument block, or a predecessor of a block g
		// is live into): live into p too unless p writes it.
		for _, p := range s.argBlocks[s.argStart[g]:s.argStart[g+1]] {
			outLo, outHi = min(outLo, p), max(outHi, p)
			if mark[p] != stamp {
				mark[p] = stamp
				in = append(in, p)
			}
		}
		// The first and last blocks g is live into, taken as they leave
		// the queue.
		inLo, inHi := int32(nb), int32(-1)
		for q := base; q < len(in); q++ {
			b := in[q]
			inLo, inHi = min(inLo, b), max(inHi, b)
			inMark[b] = stamp
			if lonely[b] {
				lonelyPairs = append(lonelyPairs, pair{b, g})
			}
			for _, p := range preds[predStart[b]:predStart[b+1]] {
				p := int32(p)
				outLo, outHi = min(outLo, p), max(outHi, p)
				if mark[p] != stamp {
					mark[p] = stamp
					in = append(in, p)
				}
			}
		}
		h := hull{lo: infinity, hi: -1}
		if inHi >= 0 {
			h = hull{starts[inLo], starts[inHi]}
		}
		if outHi >= 0 { // the end of block p is starts[p+1]-1
			h.lo, h.hi = min(h.lo, starts[outLo+1]-1), max(h.hi, starts[outHi+1]-1)
		}
		hulls[g] = h
		entries += len(in)
		first := int32(len(l.ranges))
		if len(in) > 0 {
			if inLo == 0 && l.undefGlobal < 0 {
				l.undefGlobal = g
			}
			l.appendRanges(in, inMark, stamp, inLo, inHi)
		}
		l.granges[g] = globalRanges{lo: inLo, hi: inHi, first: first, end: int32(len(l.ranges))}
	}
	s.in, s.lonelyPairs, l.entries = in, lonelyPairs, entries
	return maxEntries <= 0 || entries <= maxEntries
}

// appendRanges appends the blocks of in (marked with stamp in inMark, all
// within lo..hi) to l.ranges as sorted ranges: by walking lo..hi when that
// is short next to sorting them, else by sorting them.
func (l *Liveness) appendRanges(in, inMark []int32, stamp, lo, hi int32) {
	first := len(l.ranges)
	if span := int(hi-lo) + 1; span <= 8*len(in) {
		for b := lo; b <= hi; b++ {
			if inMark[b] == stamp {
				l.addBlock(first, b)
			}
		}
		return
	}
	slices.Sort(in)
	for _, b := range in {
		l.addBlock(first, b)
	}
}

// addBlock adds block b, greater than any added since first, to the
// ranges from first on.
func (l *Liveness) addBlock(first int, b int32) {
	if last := len(l.ranges) - 1; last >= first && l.ranges[last].hi == b-1 {
		l.ranges[last].hi = b
		return
	}
	l.ranges = append(l.ranges, blockRange{b, b})
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
func fill[T comparable](s []T, x T) []T {
	var zero T
	if x == zero {
		clear(s) // one memclr instead of a store per element
		return s
	}
	// A few elements by stores, then doubling copies: memmove writes
	// many bytes a step where the loop writes one element (the tables by
	// register hold one to tens of thousands).
	n := min(len(s), 8)
	for i := range n {
		s[i] = x
	}
	for ; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
	return s
}
