package ssa

// A function's instructions, blocks and short value lists (arguments,
// results) are carved out of chunks instead of being allocated one by
// one, and Func.Reset keeps the chunks for the next function: a compiler
// worker that reuses one Func allocates almost nothing per function once
// it has seen a function as large.

// chunkArena hands out T's from chunks that grow geometrically, so small
// functions stay small and large ones need few allocations. Every element
// not handed out since the last reset is zero (new chunks are zeroed, and
// reset clears what was taken), so take needs no clearing of its own: one
// clear per chunk at reset costs far less than one per instruction.
type chunkArena[T any] struct {
	chunks [][]T
	cur    int // index in chunks of the chunk being used
	free   []T // what is left of chunks[cur]
}

const (
	minChunk = 16
	maxChunk = 1024
)

// take returns n zeroed, contiguous elements (n may exceed maxChunk),
// with capacity n. Small enough to inline: most calls only cut free.
func (a *chunkArena[T]) take(n int) []T {
	if free := a.free; n <= len(free) {
		a.free = free[n:]
		return free[:n:n]
	}
	return a.takeNext(n)
}

// takeNext takes n elements from the first later chunk that has room for
// them, or from a new chunk.
func (a *chunkArena[T]) takeNext(n int) []T {
	for a.cur+1 < len(a.chunks) {
		a.cur++
		if c := a.chunks[a.cur]; n <= len(c) {
			a.free = c[n:]
			return c[:n:n]
		}
	}
	size := minChunk
	if k := len(a.chunks); k > 0 {
		size = min(2*len(a.chunks[k-1]), maxChunk)
	}
	c := make([]T, max(size, n))
	a.chunks = append(a.chunks, c)
	a.cur = len(a.chunks) - 1
	a.free = c[n:]
	return c[:n:n]
}

// reset makes every chunk available again, cleared. What was taken must
// no longer be in use.
func (a *chunkArena[T]) reset() {
	if len(a.chunks) == 0 {
		return
	}
	for _, c := range a.chunks[:a.cur] {
		clear(c)
	}
	c := a.chunks[a.cur]
	clear(c[:len(c)-len(a.free)])
	a.cur, a.free = 0, a.chunks[0]
}

// newInst returns a zeroed instruction owned by f.
func (f *Func) newInst() *Inst {
	// take's fast path by hand: the generic take is not inlined.
	a := &f.instArena
	if len(a.free) == 0 {
		return &a.takeNext(1)[0]
	}
	in := &a.free[0]
	a.free = a.free[1:]
	return in
}

// valueList returns a list of n values owned by f, with capacity n (an
// append moves it elsewhere rather than overwriting a neighbour).
func (f *Func) valueList(n int) []Value {
	a := &f.valueArena
	switch free := a.free; {
	case n == 0:
		return nil
	case n <= len(free): // take's fast path, by hand as in newInst
		a.free = free[n:]
		return free[:n:n]
	}
	return a.takeNext(n)
}

// appendInst appends in to b.Insts, growing the list inside f's storage.
func (f *Func) appendInst(b *Block, in *Inst) {
	if len(b.Insts) == cap(b.Insts) {
		grown := f.instListArena.take(max(8, 2*cap(b.Insts)))
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
	f.trapnzs = 0
	f.instArena.reset()
	f.valueArena.reset()
	f.blockArena.reset()
	f.callArena.reset()
	f.instListArena.reset()
}
