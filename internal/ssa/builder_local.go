package ssa

// Value numbering as the builder goes: an instruction that repeats one
// already in the current block, or in a block the builder knows dominates
// it (same opcode, type, immediates and arguments, as GVN compares them),
// is not built again; its first copy's result is returned. Code
// translated from a stack machine repeats the same few values in every
// block — Go's wasm code reads the memory base, the globals' base and the
// stack-pointer global's cell, and zero-extends the same address, for
// each access — and GVN would merge each repeat into its first copy
// anyway (that copy dominates it). Not building them spares their
// translation and every pass before GVN: regexp.test's translation builds
// 1.36 M instructions, 1.62 M when the table covered one block at a time.
//
// The dominating blocks are a chain the builder keeps as it switches
// blocks (enterChain): a sealed block's only predecessor, the block a
// MergeVars join reads through, the block that enters a loop. A join's
// parameter for a variable that held a repeat on one side and its first
// copy on the other is then trivial at once rather than after GVN.
//
// Only the builders whose opcodes repeat (iadd, icmp, narrowing, sign and
// zero extension, read-only loads) consult the table, so instructions that
// rarely repeat pay nothing. The table is direct-mapped and forgets on a
// collision: a miss only leaves the repeat to GVN. Constants are not
// numbered here: the function's pool holds one of each (constpool.go).

// localSlots is the size of the table (a power of two).
const localSlots = 1024

// localKey is what an instruction computes, in GVN's terms (gvnArgs: the
// arguments of a commutative opcode in ascending order).
type localKey struct {
	op    Opcode
	typ   Type
	cc    IntCC
	flags MemFlags
	nargs uint8
	off   int32
	imm   uint64
	args  [2]Value
}

// localSlot holds the instruction last numbered in its slot, valid while
// gen is the table's generation and its block is on the builder's chain.
type localSlot struct {
	gen uint32
	blk int32 // the instruction's block, by ID
	in  *Inst
}

// localTable is the builder's table of the instructions of the current
// block and the blocks on its chain.
type localTable struct {
	// gen numbers the functions built: Reset starts a new one and so
	// empties the table.
	gen   uint32
	slots []localSlot
}

// forget empties the table.
func (t *localTable) forget() {
	t.gen++
	if t.gen == 0 { // wrapped: entries of generation 0 could look current
		clear(t.slots)
		t.gen = 1
	}
}

func (k *localKey) hash() uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(k.op) | uint64(k.typ)<<16 | uint64(k.cc)<<24 | uint64(k.flags)<<32 | uint64(k.nargs)<<40
	h = (h ^ uint64(uint32(k.off))) * m
	h = (h ^ uint64(uint32(k.args[0])) ^ uint64(uint32(k.args[1]))<<32) * m
	h = (h ^ k.imm) * m
	return h ^ h>>29
}

// matches reports whether in computes k.
func (k *localKey) matches(in *Inst) bool {
	if in.Op != k.op || in.Type != k.typ || in.IntCC != k.cc || in.Flags != k.flags ||
		int(k.nargs) != len(in.Args) || in.Offset != k.off || in.Imm != k.imm {
		return false
	}
	a0, a1, _ := gvnArgs(in)
	return a0 == k.args[0] && a1 == k.args[1]
}

// knownDominator is a block that dominates blk as far as the builder
// knows when it switches to it: the only predecessor of a sealed block,
// the dominator MergeVars was given for a join, the block that enters a
// loop header; nil if none is known.
func (b *Builder) knownDominator(blk *Block) *Block {
	st := &b.blocks[blk.ID]
	switch {
	case st.loopHeader:
		return st.preds[0].pred
	case !st.sealed:
		return nil
	case len(st.preds) == 1:
		return st.preds[0].pred
	}
	return st.dom
}

// enterChain makes blk the end of the chain of blocks whose numbered
// instructions it may reuse: each block on the chain dominates the next,
// so an instruction in any of them dominates what is appended to blk, and
// a repeat takes the copy GVN would have merged it into. The chain keeps
// the blocks up to blk's known dominator when that is on it (a join after
// a block or if: what the frame's opener computed; code after a br_if or
// a call's unwinding check: all of the block before), and starts again
// at blk otherwise.
func (b *Builder) enterChain(blk *Block) {
	var dom *Block
	if blk != nil {
		if st := &b.blocks[blk.ID]; st.onChain {
			dom = blk // back to a block of the chain: drop what follows it
		} else {
			dom = b.knownDominator(blk)
		}
	}
	keep := 0
	if dom != nil && b.blocks[dom.ID].onChain {
		for keep = len(b.chain); b.chain[keep-1] != dom; keep-- {
		}
	}
	for _, c := range b.chain[keep:] {
		b.blocks[c.ID].onChain = false
	}
	b.chain = b.chain[:keep]
	if blk != nil && !b.blocks[blk.ID].onChain {
		b.blocks[blk.ID].onChain = true
		b.chain = append(b.chain, blk)
	}
}

// unaryKey and binaryKey are the keys of instructions with one argument
// and with two, which they resolve.
func (b *Builder) unaryKey(op Opcode, t Type, x Value) localKey {
	return localKey{op: op, typ: t, nargs: 1, args: [2]Value{b.resolve(x)}}
}

func (b *Builder) binaryKey(op Opcode, x, y Value) localKey {
	x, y = b.resolve(x), b.resolve(y)
	if x > y && op.IsCommutative() {
		x, y = y, x
	}
	return localKey{op: op, nargs: 2, args: [2]Value{x, y}}
}

// lookupLocal returns the result of the current block's instruction that
// computes k, or the slot to record k's instruction in once it is built
// (nil when the builder cannot append, so that Insert reports why).
func (b *Builder) lookupLocal(k *localKey) (Value, *localSlot) {
	if !b.open {
		return NoValue, nil
	}
	t := &b.local
	if t.slots == nil {
		t.slots = make([]localSlot, localSlots)
		t.gen = 1
	}
	s := &t.slots[k.hash()&(localSlots-1)]
	if s.gen == t.gen && b.blocks[s.blk].onChain && k.matches(s.in) {
		return s.in.Results[0], nil
	}
	return NoValue, s
}

// numbered builds in, found missing under k's slot s, and records it there.
func (b *Builder) numbered(in *Inst, s *localSlot) Value {
	if s == nil {
		return b.one(in) // Insert says why it cannot append
	}
	// lookupLocal found the current block open.
	res := b.insertOpen(in)
	switch len(res) {
	case 0:
		return NoValue
	case 1:
		*s = localSlot{gen: b.local.gen, blk: int32(b.cur.ID), in: in}
	}
	return res[0]
}

// localOps are the opcodes that Binary and Convert number (icmp and
// read-only loads are numbered by their own builders).
var localOps = func() (t [NumOpcodes]bool) {
	for _, op := range []Opcode{OpIadd, OpSextend, OpIreduce, OpUextend} {
		t[op] = true
	}
	return t
}()

func (op Opcode) numberedLocally() bool { return int(op) < len(localOps) && localOps[op] }
