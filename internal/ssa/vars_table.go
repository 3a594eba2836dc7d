package ssa

// varDefs maps (block, variable) to a value: the builder's record of each
// block's current definition of each variable, which SSA construction
// reads and writes for nearly every local.get and local.set. One
// open-addressing table for the whole function replaces a map per block;
// entries are never removed. Slots carry the generation they were
// written in, so reset (for the next function) is O(1).
type varDefs struct {
	slots []varDefSlot
	n     int
	gen   uint32
}

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
	if len(t.slots) == 0 {
		return NoValue, false
	}
	s := t.slot(varDefKey(blk, v))
	return s.value, s.gen == t.gen
}

func (t *varDefs) set(blk *Block, v Variable, val Value) {
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

func (t *varDefs) grow() {
	old := t.slots
	t.slots = make([]varDefSlot, max(64, 2*len(old)))
	oldGen := t.gen
	t.gen = 1
	for _, s := range old {
		if s.gen == oldGen {
			s.gen = t.gen
			*t.slot(s.key) = s
		}
	}
}

// reset empties the table, keeping its storage.
func (t *varDefs) reset() {
	t.n = 0
	t.gen++
	if t.gen == 0 { // wrapped: stale slots could match again
		clear(t.slots)
		t.gen = 1
	}
}
