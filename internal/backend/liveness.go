package backend

import "math/bits"

// bitset is a fixed-size set of small integers.
type bitset []uint64

func trailingZeros(x uint64) int   { return bits.TrailingZeros64(x) }
func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (s bitset) has(i int) bool    { return s[i>>6]&(1<<(i&63)) != 0 }
func (s bitset) add(i int)         { s[i>>6] |= 1 << (i & 63) }
func (s bitset) remove(i int)      { s[i>>6] &^= 1 << (i & 63) }
func (s bitset) copyFrom(t bitset) { copy(s, t) }
func (s bitset) forEach(fn func(i int)) {
	for w, x := range s {
		for ; x != 0; x &= x - 1 {
			fn(w*64 + bits.TrailingZeros64(x))
		}
	}
}

// Liveness is the result of the backward dataflow over a function's blocks.
// Only "global" registers (those that cross a block boundary: block
// parameters, block arguments, or registers touched in several blocks) get a
// bit, so the sets stay small however many block-local temporaries there are.
type Liveness struct {
	// globalIndex[v] is v's bit, or -1 for a block-local register.
	globalIndex []int32
	globals     []VReg
	liveIn      []bitset
	liveOut     []bitset
	// LoopDepth is each block's loop nesting depth, from the back edges of
	// the layout (an edge to an earlier or the same block closes a loop).
	LoopDepth []int
}

// LiveIn lists the registers live on entry to b (parameters excluded).
func (l *Liveness) LiveIn(b BlockID) []VReg { return l.list(l.liveIn[b]) }

// LiveOut lists the registers live on exit from b (arguments included).
func (l *Liveness) LiveOut(b BlockID) []VReg { return l.list(l.liveOut[b]) }

func (l *Liveness) list(s bitset) []VReg {
	var out []VReg
	s.forEach(func(i int) { out = append(out, l.globals[i]) })
	return out
}

func (l *Liveness) isLiveOut(b BlockID, v VReg) bool {
	g := l.globalIndex[v]
	return g >= 0 && l.liveOut[b].has(int(g))
}

func (l *Liveness) isLiveIn(b BlockID, v VReg) bool {
	g := l.globalIndex[v]
	return g >= 0 && l.liveIn[b].has(int(g))
}

// ComputeLiveness runs liveness analysis on a validated function whose
// Preds are computed.
func ComputeLiveness(f *Func) *Liveness {
	n := f.NumVRegs()
	l := &Liveness{globalIndex: make([]int32, n)}
	owner := make([]int32, n) // block that first touched v, or -2 for global
	for i := range owner {
		owner[i] = -1
		l.globalIndex[i] = -1
	}
	markGlobal := func(v VReg) {
		if v >= NumPinned && owner[v] != -2 {
			owner[v] = -2
			l.globalIndex[v] = int32(len(l.globals))
			l.globals = append(l.globals, v)
		}
	}
	touch := func(v VReg, b int) {
		switch o := owner[v]; {
		case v < NumPinned || o == -2:
		case o == -1:
			owner[v] = int32(b)
		case o != int32(b):
			markGlobal(v)
		}
	}
	var vis OperandVisitor
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
		for i := b.Start; i < b.End; i++ {
			vis.Reset()
			f.Insts[i].Operands(&vis)
			for _, op := range vis.List() {
				touch(op.VReg, bi)
			}
		}
	}

	nb, ng := len(f.Blocks), len(l.globals)
	gen := make([]bitset, nb)
	kill := make([]bitset, nb)
	l.liveIn = make([]bitset, nb)
	l.liveOut = make([]bitset, nb)
	for bi := range f.Blocks {
		gen[bi], kill[bi] = newBitset(ng), newBitset(ng)
		l.liveIn[bi], l.liveOut[bi] = newBitset(ng), newBitset(ng)
		b := &f.Blocks[bi]
		for _, p := range b.Params {
			kill[bi].add(int(l.globalIndex[p]))
		}
		for i := b.Start; i < b.End; i++ {
			vis.Reset()
			f.Insts[i].Operands(&vis)
			ops := vis.List()
			for _, op := range ops {
				if g := l.globalIndex[op.VReg]; g >= 0 && op.Kind != Def && !kill[bi].has(int(g)) {
					gen[bi].add(int(g))
				}
			}
			for _, op := range ops {
				if g := l.globalIndex[op.VReg]; g >= 0 && op.Kind != Use {
					kill[bi].add(int(g))
				}
			}
		}
	}
	tmp := newBitset(ng)
	for changed := true; changed; {
		changed = false
		for bi := nb - 1; bi >= 0; bi-- {
			b := &f.Blocks[bi]
			out := l.liveOut[bi]
			for k, s := range b.Succs {
				for w := range out {
					out[w] |= l.liveIn[s][w]
				}
				for _, a := range b.SuccArgs[k] {
					out.add(int(l.globalIndex[a]))
				}
			}
			for w := range tmp {
				tmp[w] = gen[bi][w] | out[w]&^kill[bi][w]
			}
			for w := range tmp {
				if tmp[w] != l.liveIn[bi][w] {
					changed = true
					l.liveIn[bi].copyFrom(tmp)
					break
				}
			}
		}
	}

	// Each back edge s <- bi adds one level to blocks s..bi: a difference
	// array keeps this linear.
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
