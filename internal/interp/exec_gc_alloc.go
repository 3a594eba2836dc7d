package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// allocGC runs the allocating instructions: struct.new*, array.new*. The
// operands stay in their slots until the object is built, so that a
// collection during the allocation sees them.
func (m *machine) allocGC(in *instr, regs []uint64, st *instState) abi.TrapCode {
	h := st.store.GC()
	switch in.op {
	case opStructNew, opStructNewDefault:
		id := st.gcTypes[in.c]
		o, err := h.NewStruct(id)
		if err != nil {
			return allocFailed(err)
		}
		if in.op == opStructNew {
			ti, mem := h.Type(id), h.Bytes()
			s := in.b
			for i, f := range ti.Fields {
				gcheap.StoreField(mem, o+uint64(ti.Offsets[i]), f.Type, regs[s], regs[s+1])
				s += uint32(unpackedType(f.Type).Slots())
			}
		}
		regs[in.a] = o
	case opArrayNew, opArrayNewDefault, opArrayNewFixed:
		id := st.gcTypes[uint32(in.imm)]
		n := in.c
		if in.op != opArrayNewFixed {
			n = uint32(regs[in.c])
		}
		o, err := h.NewArray(id, n)
		if err != nil {
			return allocFailed(err)
		}
		ti, mem := h.Type(id), h.Bytes()
		es, t := uint64(ti.ElemSize), ti.Elem.Type
		switch in.op {
		case opArrayNew:
			lo := regs[in.b]
			var hi uint64
			if es == 16 {
				hi = regs[in.b+1]
			}
			if (lo != 0 || hi != 0) && n > 0 {
				// The first element is stored, the rest copied from it in
				// chunks sized by time, like array.fill.
				at := o + gcheap.HeaderSize
				gcheap.StoreField(mem, at, t, lo, hi)
				if tc := vm.FillPattern(mem[at:at+uint64(n)*es], int(es), m.checkpoint); tc != abi.TrapNone {
					return tc
				}
			}
		case opArrayNewFixed:
			s := in.b
			for i := uint64(0); i < uint64(n); i++ {
				gcheap.StoreField(mem, o+gcheap.HeaderSize+i*es, t, regs[s], regs[s+1])
				s += uint32(unpackedType(t).Slots())
			}
		}
		regs[in.a] = o
	case opArrayNewData:
		return m.arrayNewData(in, regs, st)
	case opArrayNewElem:
		return m.arrayNewElem(in, regs, st)
	}
	return abi.TrapNone
}

// arrayNewData: the elements come from a data segment's bytes.
func (m *machine) arrayNewData(in *instr, regs []uint64, st *instState) abi.TrapCode {
	h := st.store.GC()
	id := st.gcTypes[uint32(in.imm)]
	es := uint64(h.Type(id).ElemSize)
	s, n := uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
	data := st.inst.Datas()[in.imm>>32]
	if s+n*es > uint64(len(data)) {
		return abi.TrapMemoryOutOfBounds
	}
	o, err := h.NewArray(id, uint32(n))
	if err != nil {
		return allocFailed(err)
	}
	to := o + gcheap.HeaderSize
	if tc := vm.CopyBytes(h.Bytes()[to:to+n*es], data[s:s+n*es], false, m.checkpoint); tc != abi.TrapNone {
		return tc
	}
	regs[in.a] = o
	return abi.TrapNone
}

// arrayNewElem: the elements come from an element segment's references.
func (m *machine) arrayNewElem(in *instr, regs []uint64, st *instState) abi.TrapCode {
	h := st.store.GC()
	id := st.gcTypes[uint32(in.imm)]
	s, n := uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
	refs := st.inst.Elems()[in.imm>>32]
	if s+n > uint64(len(refs)) {
		return abi.TrapTableOutOfBounds
	}
	o, err := h.NewArray(id, uint32(n))
	if err != nil {
		return allocFailed(err)
	}
	to := o + gcheap.HeaderSize
	if tc := vm.PutWords(h.Bytes()[to:to+n*8], refs[s:s+n], m.checkpoint); tc != abi.TrapNone {
		return tc
	}
	regs[in.a] = o
	return abi.TrapNone
}
