package frontend

import (
	"slices"
	"sync"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
)

// BoundedLoopWork is the most work, in SSA instructions run (and the
// constants each block materialises, see blockWork), that a loop
// without its header poll may do each time it is entered: a loop whose
// trip count and body bound it that tightly runs no longer between polls
// than straight-line code may (PollStretch, see stretch.go).
const BoundedLoopWork = PollStretch

// Passes is the optimisation pipeline for a function translated with
// env: ssa.DefaultPasses, then, when env's polls are epoch polls that may
// be dropped, the pass that drops those of bounded loops (see
// dropBoundedLoopPolls), which reuses the CFG and dominator tree the last
// of the passes before it kept.
func Passes(env *Env) []ssa.Pass {
	if env == nil || !env.EpochPolls || env.PollEveryEntry {
		return ssa.DefaultPasses
	}
	return passesDroppingPolls
}

var passesDroppingPolls = append(slices.Clip(ssa.DefaultPasses), ssa.Pass{Name: "boundedpolls", Run: dropBoundedLoopPolls})

// Optimize runs Passes(env) on f, a function translated with env.
func Optimize(f *ssa.Func, env *Env) { _ = ssa.Pipeline{Passes: Passes(env)}.Run(f) }

// dropBoundedLoopPolls removes the epoch poll from the header of every
// loop of the optimised function f that provably does at most
// BoundedLoopWork each time it is entered: one whose trip count
// ssa.TripBound bounds, whose blocks make no call of any kind (no poll
// left in a nested loop either, no builtin such as memory.fill, whose
// work is not one instruction's), and whose nested loops, each counted
// with its own bound, fit in the budget with it. The poll of the loop
// around it (or of the function's caller, or its entry) still comes
// within that much work.
//
// Only epoch polls are dropped (Env.EpochPolls, see Passes): fuel counts
// every poll, and counting polls stay where tests fix their number.
func dropBoundedLoopPolls(f *ssa.Func) {
	if !hasLoopPoll(f) {
		return
	}
	lf := f.PassLoops()
	index := make(map[*ssa.Loop]int, len(lf.Loops))
	for i, l := range lf.Loops {
		index[l] = i
	}
	// nested[i] sums the work of loop i's inner loops per entry into
	// loop i; unbounded marks a loop (or one nested in it) with no bound.
	nested := make([]uint64, len(lf.Loops))
	unbounded := make([]bool, len(lf.Loops))
	seen := seenPool.Get().(*[]int32)
	defer seenPool.Put(seen)
	if n := f.NumValues(); cap(*seen) < n {
		*seen = make([]int32, n)
	} else {
		*seen = (*seen)[:n]
		clear(*seen)
	}
	w := blockWork{f: f, seen: *seen}
	// Inner loops come after the loops around them.
	for i := len(lf.Loops) - 1; i >= 0; i-- {
		l := lf.Loops[i]
		work, ok := loopWork(f, lf, l, nested[i], unbounded[i], &w)
		if ok {
			dropPolls(l.Header)
		}
		if p := l.Parent; p != nil {
			j := index[p]
			unbounded[j] = unbounded[j] || !ok
			nested[j] = satAddWork(nested[j], work)
		}
	}
}

// seenPool keeps blockWork.seen's storage from one function to the next
// (a compile worker's come one after another), as the ssa passes keep
// theirs in the function's pass storage.
var seenPool = sync.Pool{New: func() any { return new([]int32) }}

// blockWork counts a block's work: its instructions and the constants of
// the function's pool it reads, each of which the back end materialises
// once in each block that reads it.
type blockWork struct {
	f    *ssa.Func
	seen []int32 // by Value: the last block (ID+1) that counted the constant
}

func (w *blockWork) of(b *ssa.Block) uint64 {
	n := uint64(len(b.Insts))
	count := func(v ssa.Value) {
		if w.f.IsPoolConst(v) && w.seen[v] != int32(b.ID)+1 {
			w.seen[v] = int32(b.ID) + 1
			n++
		}
	}
	for _, in := range b.Insts {
		for _, a := range in.Args {
			count(a)
		}
		for _, t := range in.Targets {
			for _, a := range t.Args {
				count(a)
			}
		}
	}
	return n
}

// loopWork is the work of one entry into l, if it is within
// BoundedLoopWork and l makes no call but its header's poll.
func loopWork(f *ssa.Func, lf *ssa.LoopForest, l *ssa.Loop, nested uint64, unbounded bool, w *blockWork) (uint64, bool) {
	if unbounded {
		return 0, false
	}
	own := uint64(0)
	for _, b := range l.Blocks {
		for _, in := range b.Insts {
			if isCall(in.Op) && !(b == l.Header && isEpochPoll(in)) {
				return 0, false
			}
		}
		if lf.LoopOf(b) == l {
			own += w.of(b)
		}
	}
	trips, ok := ssa.TripBound(f, lf, l)
	if !ok {
		return 0, false
	}
	per := satAddWork(own, nested)
	if trips > BoundedLoopWork || per > BoundedLoopWork || trips*per > BoundedLoopWork {
		return 0, false
	}
	return trips * per, true
}

func dropPolls(b *ssa.Block) {
	kept := b.Insts[:0]
	for _, in := range b.Insts {
		if !isEpochPoll(in) {
			kept = append(kept, in)
		}
	}
	clear(b.Insts[len(kept):])
	b.Insts = kept
}

func hasLoopPoll(f *ssa.Func) bool {
	for _, b := range f.Blocks[1:] {
		for _, in := range b.Insts {
			if isEpochPoll(in) {
				return true
			}
		}
	}
	return false
}

func isEpochPoll(in *ssa.Inst) bool {
	return in.Op == ssa.OpCall && in.Callee == ssa.FuncRef(abi.BuiltinCallee+uint32(abi.BuiltinPollEpoch))
}

func isCall(op ssa.Opcode) bool {
	switch op {
	case ssa.OpCall, ssa.OpCallIndirect, ssa.OpTryCall, ssa.OpTryCallIndirect, ssa.OpReturnCall, ssa.OpReturnCallIndirect:
		return true
	}
	return false
}

func satAddWork(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}
