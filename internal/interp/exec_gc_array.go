package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// execArrayBulk runs array.fill, array.copy, array.init_data and
// array.init_elem. Every bound is checked before anything is written; the
// writes run in chunks with m's checkpoint between them, so a long one lets
// the Go runtime in and can be interrupted.
func (m *machine) execArrayBulk(in *instr, regs []uint64, st *instState) abi.TrapCode {
	h := st.store.GC()
	switch in.op {
	case opArrayFill:
		o, d := regs[in.a], uint64(uint32(regs[in.b]))
		n := uint64(uint32(regs[uint32(in.imm)]))
		if o == 0 {
			return abi.TrapNullArrayReference
		}
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		if n == 0 {
			break
		}
		// Every element gets the same bytes: the first is stored, the rest
		// copied from it at memmove's speed.
		k := fieldKind(in.imm >> 32)
		mem, es := h.Bytes(), k.size()
		at := o + gcheap.HeaderSize + d*es
		storeField(mem, at, k, regs[in.c:])
		return vm.FillPattern(mem[at:at+n*es], int(es), m.checkpoint)
	case opArrayCopy:
		ops := regs[in.b : in.b+5]
		dst, d, src, s, n := ops[0], uint64(uint32(ops[1])), ops[2], uint64(uint32(ops[3])), uint64(uint32(ops[4]))
		if dst == 0 || src == 0 {
			return abi.TrapNullArrayReference
		}
		if d+n > uint64(h.ArrayLen(dst)) || s+n > uint64(h.ArrayLen(src)) {
			return abi.TrapArrayOutOfBounds
		}
		es := fieldKind(in.imm).size()
		mem := h.Bytes()
		to, from := dst+gcheap.HeaderSize+d*es, src+gcheap.HeaderSize+s*es
		return vm.CopyBytes(mem[to:to+n*es], mem[from:from+n*es], to > from, m.checkpoint)
	case opArrayInitData, opArrayInitElem:
		ops := regs[in.b : in.b+4]
		o, d, s, n := ops[0], uint64(uint32(ops[1])), uint64(uint32(ops[2])), uint64(uint32(ops[3]))
		if o == 0 {
			return abi.TrapNullArrayReference
		}
		if d+n > uint64(h.ArrayLen(o)) {
			return abi.TrapArrayOutOfBounds
		}
		mem := h.Bytes()
		if in.op == opArrayInitData {
			es := uint64(h.Type(h.TypeOf(o)).ElemSize)
			data := st.inst.Datas()[in.imm>>32]
			if s+n*es > uint64(len(data)) {
				return abi.TrapMemoryOutOfBounds
			}
			to := o + gcheap.HeaderSize + d*es
			return vm.CopyBytes(mem[to:to+n*es], data[s:s+n*es], false, m.checkpoint)
		}
		refs := st.inst.Elems()[in.imm>>32]
		if s+n > uint64(len(refs)) {
			return abi.TrapTableOutOfBounds
		}
		to := o + gcheap.HeaderSize + d*8
		return vm.PutWords(mem[to:to+n*8], refs[s:s+n], m.checkpoint)
	}
	return abi.TrapNone
}
