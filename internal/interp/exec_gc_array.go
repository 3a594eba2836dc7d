package interp

import (
	"encoding/binary"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

func putWord(mem []byte, o, w uint64) { binary.LittleEndian.PutUint64(mem[o:], w) }

// execArrayBulk runs array.fill, array.copy, array.init_data and
// array.init_elem. Every bound is checked before anything is written.
func execArrayBulk(in *instr, regs []uint64, st *instState) abi.TrapCode {
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
		k := fieldKind(in.imm >> 32)
		mem, es := h.Bytes(), k.size()
		for i := uint64(0); i < n; i++ {
			storeField(mem, o+gcheap.HeaderSize+(d+i)*es, k, regs[in.c:])
		}
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
		copy(mem[dst+gcheap.HeaderSize+d*es:dst+gcheap.HeaderSize+(d+n)*es], mem[src+gcheap.HeaderSize+s*es:])
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
			data := st.inst.Datas[in.imm>>32]
			if s+n*es > uint64(len(data)) {
				return abi.TrapMemoryOutOfBounds
			}
			copy(mem[o+gcheap.HeaderSize+d*es:], data[s:s+n*es])
			break
		}
		refs := st.inst.Elems[in.imm>>32]
		if s+n > uint64(len(refs)) {
			return abi.TrapTableOutOfBounds
		}
		for i, r := range refs[s : s+n] {
			putWord(mem, o+gcheap.HeaderSize+(d+uint64(i))*8, r)
		}
	}
	return abi.TrapNone
}
