package ssa

// A function's scalar constants (iconst, f32const, f64const) made by the
// builder live in a pool: one value per distinct constant, defined by an
// instruction that is in no block and counts as defined before the entry
// block's first instruction, so it dominates every use. The translation
// of a Wasm body makes a constant for nearly every fifth instruction; in
// the pool each is a table look-up rather than an instruction that every
// pass walks, that GVN merges with its copies and that DCE deletes once
// folding has used it up. Where a constant is placed no longer matters to
// code: the back end materialises each block's own copy where it is read.
//
// Constants in blocks (from Parse, or made by a pass) remain valid.

// poolEntry is one slot of the pool's table: a constant's key and value
// (value+1, so that 0 marks an empty slot).
type poolEntry struct {
	imm uint64
	val uint32
	op  Opcode
	typ Type
}

// constPool is a function's pool: an open-addressed table (linear probing)
// and the values in the order they were made.
type constPool struct {
	table []poolEntry
	mask  uint64
	vals  []Value
	slots []uint32 // by position in vals: the value's slot in table
}

// reset empties the pool, clearing only the slots the last function used.
func (p *constPool) reset() {
	for _, s := range p.slots {
		p.table[s] = poolEntry{}
	}
	p.vals, p.slots = p.vals[:0], p.slots[:0]
}

func poolHash(op Opcode, t Type, imm uint64) uint64 {
	h := (imm ^ uint64(op)<<48 ^ uint64(t)<<56) * 0x9e3779b97f4a7c15
	return h ^ h>>29
}

// PoolConst returns the function's value for the constant with opcode op
// (OpIconst, OpF32const or OpF64const), controlling type t (the iconst's
// type, 0 for the float constants) and bits imm (already truncated to the
// type), making it on first request.
func (f *Func) PoolConst(op Opcode, t Type, imm uint64) Value {
	p := &f.pool
	if 2*(len(p.vals)+1) > len(p.table) {
		f.growPool()
	}
	for i := poolHash(op, t, imm) & p.mask; ; i = (i + 1) & p.mask {
		e := &p.table[i]
		if e.val == 0 {
			in := f.newInst()
			in.Op, in.Type, in.Imm = op, t, imm
			v := f.MakeResults(in)[0]
			f.values[v].pooled = true
			*e = poolEntry{imm: imm, val: uint32(v) + 1, op: op, typ: t}
			p.vals = append(p.vals, v)
			p.slots = append(p.slots, uint32(i))
			return v
		}
		if e.imm == imm && e.op == op && e.typ == t {
			return Value(e.val - 1)
		}
	}
}

// growPool doubles the table (at least 64 slots) and places every
// constant again.
func (f *Func) growPool() {
	p := &f.pool
	n := max(64, 2*len(p.table))
	if cap(p.table) >= n {
		p.table = p.table[:n]
		clear(p.table)
	} else {
		p.table = make([]poolEntry, n)
	}
	p.mask = uint64(n - 1)
	for k, v := range p.vals {
		in := f.values[v].inst
		i := poolHash(in.Op, in.Type, in.Imm) & p.mask
		for p.table[i].val != 0 {
			i = (i + 1) & p.mask
		}
		p.table[i] = poolEntry{imm: in.Imm, val: uint32(v) + 1, op: in.Op, typ: in.Type}
		p.slots[k] = uint32(i)
	}
}

// PoolConsts lists the pool's constants in the order they were made. Some
// may be unused (nothing removes them).
func (f *Func) PoolConsts() []Value { return f.pool.vals }

// IsPoolConst reports whether v is one of the pool's constants.
func (f *Func) IsPoolConst(v Value) bool {
	return v >= 0 && int(v) < len(f.values) && f.values[v].pooled
}

// isPoolable reports the opcodes of the pool's constants.
func (op Opcode) isPoolable() bool {
	return op == OpIconst || op == OpF32const || op == OpF64const
}
