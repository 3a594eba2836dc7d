package ssa

// varDefs maps (block, variable) to a value: the builder's record of each
// block's current definition of each variable, which SSA construction
// reads and writes for nearly every local.get and local.set. One
// open-addressing table for the whole function replaces a map per block;
// entries are never removed. Slots carry the generation they were
// written in, so reset (for the next function) is O(1).
//
// Each function starts with a table sized for it (Builder.ExpectVarDefs,
// else small) and doubles it as it fills, in storage kept from function
// to function: sized for the largest function so far (compiled first),
// the table would scatter a small function's few entries over megabytes,
// a cache miss each.
//
// A function of few variables (most: Go's code keeps its values in
// memory and a handful of locals) uses a denser form instead: a list per
// variable indexed by block ID, each as long as the highest block that
// defines it, so that a read or a write is an index rather than a hash
// and a probe. At most maxDenseVars lists of one Value (4 bytes) per
// block: 256 bytes a block at worst, linear in the function's blocks,
// which Env.MaxSize caps (the table holds 32 bytes an entry, at half
// load, and Go's functions define nearly every variable in every join).
type varDefs struct {
	slots []varDefSlot // the table: a prefix of store
	store []varDefSlot
	moved []varDefSlot // entries being moved to a larger table
	n     int
	gen   uint32
	// dense: the lists, byVar, hold the entries, not the table; a
	// declaration past maxDenseVars moves them into it (declared).
	// hashOnly keeps a varDefs in the table always.
	dense, hashOnly bool
	byVar           [][]Value // by variable, by block ID: noDef where none
}

// maxDenseVars is the most variables a function may declare for its
// definitions to be kept in lists by variable.
const maxDenseVars = 64

// noDef marks a block without an entry in a list by variable.
const noDef Value = -1 << 31

// varDefsInitialSlots is the table's size at the start of each function.
const varDefsInitialSlots = 256

type varDefSlot struct {
	key   uint64 // block ID << 32 | variable, plus one
	value Value
	gen   uint32 // the slot is empty unless gen is the table's
}

func varDefKey(blk *Block, v Variable) uint64 {
	return (uint64(uint32(blk.ID))<<32 | uint64(uint32(v))) + 1
}

func (t *varDefs) slot(key uint64) *varDefSlot {
	mask := uint64(len(t.slots) - 1)
	h := key * 0x9E3779B97F4A7C15
	for i := (h ^ h>>32) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen || s.key == key {
			return s
		}
	}
}

func (t *varDefs) get(blk *Block, v Variable) (Value, bool) {
	if !t.dense {
		return t.getHashed(blk, v)
	}
	if int(v) < len(t.byVar) {
		if l := t.byVar[v]; blk.ID < len(l) {
			val := l[blk.ID]
			return val, val != noDef
		}
	}
	return NoValue, false
}

// getHashed is get from the table.
func (t *varDefs) getHashed(blk *Block, v Variable) (Value, bool) {
	if len(t.slots) == 0 {
		return NoValue, false
	}
	s := t.slot(varDefKey(blk, v))
	return s.value, s.gen == t.gen
}

func (t *varDefs) set(blk *Block, v Variable, val Value) {
	if t.dense && int(v) < len(t.byVar) {
		if l := t.byVar[v]; blk.ID < len(l) {
			l[blk.ID] = val
			return
		}
	}
	t.setSlow(blk, v, val)
}

// setSlow is set when the list by variable must grow, or into the table.
func (t *varDefs) setSlow(blk *Block, v Variable, val Value) {
	if t.dense {
		for int(v) >= len(t.byVar) {
			// Lists kept from an earlier function are reused, emptied.
			if n := len(t.byVar); n < cap(t.byVar) {
				t.byVar = t.byVar[:n+1]
				t.byVar[n] = t.byVar[n][:0]
			} else {
				t.byVar = append(t.byVar, nil)
			}
		}
		l := t.byVar[v]
		if blk.ID >= len(l) {
			l = extend(l, blk.ID+1, noDef)
			t.byVar[v] = l
		}
		l[blk.ID] = val
		return
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	s := t.slot(varDefKey(blk, v))
	if s.gen != t.gen {
		s.key, s.gen = varDefKey(blk, v), t.gen
		t.n++
	}
	s.value = val
}

// grow doubles the table: its entries are set aside, every slot emptied
// by a new generation, and the entries put back.
func (t *varDefs) grow() {
	moved := t.moved[:0]
	for _, s := range t.slots {
		if s.gen == t.gen {
			moved = append(moved, s)
		}
	}
	t.moved = moved
	size := max(varDefsInitialSlots, 2*len(t.slots))
	if cap(t.store) < size {
		t.store = make([]varDefSlot, size)
		t.gen = 0
	}
	t.slots = t.store[:size]
	t.nextGen()
	for _, s := range moved {
		s.gen = t.gen
		*t.slot(s.key) = s
	}
}

// nextGen empties every slot of the storage by starting a generation.
func (t *varDefs) nextGen() {
	t.gen++
	if t.gen == 0 { // wrapped: stale slots could match again
		clear(t.store[:cap(t.store)])
		t.gen = 1
	}
}

// expect sizes the empty table for about n entries.
func (t *varDefs) expect(n int) {
	size := varDefsInitialSlots
	for size < 2*n {
		size *= 2
	}
	if t.n != 0 || size <= len(t.slots) {
		return
	}
	if cap(t.store) < size {
		t.store = make([]varDefSlot, size)
		t.gen = 0
		t.nextGen()
	}
	t.slots = t.store[:size]
}

// reset empties the table, keeping its storage.
func (t *varDefs) reset() {
	t.n = 0
	t.nextGen()
	t.slots = t.store[:min(varDefsInitialSlots, cap(t.store))]
	t.dense = !t.hashOnly
	t.byVar = t.byVar[:0]
}

// declared tells the table that the function has n variables: past
// maxDenseVars, the lists' entries move into the table.
func (t *varDefs) declared(n int) {
	if !t.dense || n <= maxDenseVars {
		return
	}
	t.dense = false
	for v, l := range t.byVar {
		for id, val := range l {
			if val != noDef {
				t.set(&Block{ID: id}, Variable(v), val)
			}
		}
	}
	t.byVar = t.byVar[:0]
}
