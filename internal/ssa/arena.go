package ssa

// A function's instructions, blocks and short value lists (arguments,
// results) are carved out of chunks instead of being allocated one by
// one, and Func.Reset keeps the chunks for the next function: a compiler
// worker that reuses one Func allocates almost nothing per function once
// it has seen a function as large.

// chunkArena hands out T's from chunks that grow geometrically, so small
// functions stay small and large ones need few allocations.
type chunkArena[T any] struct {
	chunks [][]T
	cur    int // index in chunks of the chunk being used
	used   int // elements taken from it
}

const (
	minChunk = 16
	maxChunk = 1024
)

// take returns n zeroed, contiguous elements (n may exceed maxChunk).
func (a *chunkArena[T]) take(n int) []T {
	s := a.takeDirty(n)
	clear(s)
	return s
}

// takeDirty is take without the zeroing, for callers that overwrite what
// they read: clearing reused memory that holds pointers is not free while
// the collector runs.
func (a *chunkArena[T]) takeDirty(n int) []T {
	for a.cur < len(a.chunks) {
		c := a.chunks[a.cur]
		if a.used+n <= len(c) {
			s := c[a.used : a.used+n : a.used+n]
			a.used += n
			return s
		}
		if a.cur+1 == len(a.chunks) {
			break
		}
		a.cur++
		a.used = 0
	}
	size := minChunk
	if k := len(a.chunks); k > 0 {
		size = min(2*len(a.chunks[k-1]), maxChunk)
	}
	size = max(size, n)
	a.chunks = append(a.chunks, make([]T, size))
	a.cur = len(a.chunks) - 1
	a.used = n
	return a.chunks[a.cur][:n:n]
}

// reset makes every chunk available again. What was taken must no longer
// be in use.
func (a *chunkArena[T]) reset() {
	a.cur, a.used = 0, 0
}

// newInst returns a zeroed instruction owned by f.
func (f *Func) newInst() *Inst { return &f.instArena.take(1)[0] }

// valueList returns a list of n values owned by f, with capacity n (an
// append moves it elsewhere rather than overwriting a neighbour).
func (f *Func) valueList(n int) []Value {
	if n == 0 {
		return nil
	}
	return f.valueArena.take(n)
}

// appendInst appends in to b.Insts, growing the list inside f's storage.
func (f *Func) appendInst(b *Block, in *Inst) {
	if len(b.Insts) == cap(b.Insts) {
		// Only the first len(b.Insts) entries are ever read before being
		// written, so the list need not be zeroed.
		grown := f.instListArena.takeDirty(max(8, 2*cap(b.Insts)))
		b.Insts = grown[:copy(grown, b.Insts)]
	}
	b.Insts = append(b.Insts, in)
}

// appendValue appends v to list, growing it inside a's storage: for
// lists that grow one value at a time (block parameters, the arguments
// the builder adds to branches for them).
func appendValue(a *chunkArena[Value], list []Value, v Value) []Value {
	if len(list) == cap(list) {
		grown := a.take(max(4, 2*cap(list)))
		list = grown[:copy(grown, list)]
	}
	return append(list, v)
}

// blockCalls returns n zeroed branch targets owned by f.
func (f *Func) blockCalls(n int) []BlockCall { return f.callArena.take(n) }

// Reserve sizes f's value table for about n values, so that a builder
// that knows roughly how large the function will be avoids regrowing it.
func (f *Func) Reserve(n int) {
	if cap(f.values) < n {
		f.values = append(make([]valueData, 0, n), f.values...)
	}
}

// Reset empties f and renames it, keeping its storage for the next
// function built into it. Everything taken from the old function (blocks,
// instructions, value lists) must no longer be in use.
func (f *Func) Reset(name string, sig Signature) {
	f.Name, f.Sig = name, sig
	clear(f.Sigs)
	f.Sigs = f.Sigs[:0]
	clear(f.Blocks)
	f.Blocks = f.Blocks[:0]
	f.values = f.values[:0]
	f.pool.reset()
	f.Consts = f.Consts[:0]
	clear(f.constIdx)
	f.nextBlock = 0
	f.instArena.reset()
	f.valueArena.reset()
	f.blockArena.reset()
	f.callArena.reset()
	f.instListArena.reset()
}
