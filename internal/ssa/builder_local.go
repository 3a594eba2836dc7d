package ssa

// Local value numbering as the builder goes: an instruction that repeats
// one already in the current block (same opcode, type, immediates and
// arguments, as GVN compares them) is not built again; its first copy's
// result is returned. Code translated from a stack machine repeats the
// same few values in every block — Go's wasm code reads the memory base,
// the globals' base and the stack-pointer global's cell, and zero-extends
// the same address, for each access — and GVN would merge each repeat
// into its first copy anyway (that copy dominates it). Not building them
// spares their translation and every pass before GVN: in a Go test binary
// one instruction in six is such a repeat.
//
// Only the builders whose opcodes repeat (iadd, icmp, narrowing and sign
// extension, read-only loads) consult the table, so instructions that
// rarely repeat pay nothing. The table is direct-mapped and forgets on a
// collision: a miss only leaves the repeat to GVN. Constants and uextend
// repeat as often but are not numbered: Fold often folds a constant's or
// an extension's first use away, and DCE then deletes that first copy,
// so the repeat that GVN keeps is defined later, next to its own uses;
// numbered, the first copy would stay and be live from there (across a
// call, say), and the machine code would change.

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
// gen is the builder's current block generation.
type localSlot struct {
	gen uint32
	in  *Inst
}

// localTable is the builder's table of the current block's instructions.
type localTable struct {
	// gen numbers the stretches of appending to one block: switching
	// blocks (or functions) starts a new one and so empties the table.
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
	if b.cur == nil || b.cur.Terminator() != nil {
		return NoValue, nil
	}
	t := &b.local
	if t.slots == nil {
		t.slots = make([]localSlot, localSlots)
		t.gen = 1
	}
	s := &t.slots[k.hash()&(localSlots-1)]
	if s.gen == t.gen && k.matches(s.in) {
		return s.in.Results[0], nil
	}
	return NoValue, s
}

// numbered builds in, found missing under k's slot s, and records it there.
func (b *Builder) numbered(in *Inst, s *localSlot) Value {
	v := b.one(in)
	if s != nil && len(in.Results) == 1 {
		*s = localSlot{gen: b.local.gen, in: in}
	}
	return v
}

// localOps are the opcodes that Binary and Convert number (icmp and
// read-only loads are numbered by their own builders).
var localOps = func() (t [NumOpcodes]bool) {
	for _, op := range []Opcode{OpIadd, OpSextend, OpIreduce} {
		t[op] = true
	}
	return t
}()

func (op Opcode) numberedLocally() bool { return int(op) < len(localOps) && localOps[op] }
