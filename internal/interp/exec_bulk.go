package interp

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// execBulk runs table instructions and bulk memory operations. Every range is
// checked before anything is written (2.0 semantics: no partial writes), and
// copies within one memory or table handle overlap (Go's copy is memmove).
// Indices, addresses and sizes have their table's or memory's address type:
// the low 32 bits of the slot for i32, all 64 for i64. The copies and fills
// run in chunks with m's checkpoint between them (vm/bulk.go), so a long
// one lets the Go runtime in and can be interrupted.
func execBulk(in *instr, regs []uint64, st *instState, m *machine) abi.TrapCode {
	switch in.op {
	case opTableGet:
		tbl := st.tables[in.c]
		i := addr(regs[in.b], tbl.Type.Is64)
		if i >= uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		regs[in.a] = tbl.Elems[i]
	case opTableSet:
		tbl := st.tables[in.imm]
		i := addr(regs[in.b], tbl.Type.Is64)
		if i >= uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		tbl.Elems[i] = regs[in.c]
	case opTableSize:
		regs[in.a] = uint64(st.tables[in.c].Size())
	case opTableGrow:
		tbl := st.tables[in.imm]
		init, n := regs[in.b], addr(regs[in.c], tbl.Type.Is64)
		fail := uint64(math.MaxUint32)
		if tbl.Type.Is64 {
			fail = math.MaxUint64
		}
		regs[in.a] = fail
		if n <= math.MaxUint32 {
			if old, ok := tbl.Grow(uint32(n), init); ok {
				regs[in.a] = uint64(old)
			}
		}
	case opTableFill:
		tbl := st.tables[in.imm]
		i, v, n := addr(regs[in.a], tbl.Type.Is64), regs[in.b], addr(regs[in.c], tbl.Type.Is64)
		if !inRange(i, n, uint64(len(tbl.Elems))) {
			return abi.TrapTableOutOfBounds
		}
		return vm.FillWords(tbl.Elems[i:i+n], v, m.checkpoint)
	case opTableCopy:
		dt, srcT := st.tables[uint32(in.imm)], st.tables[uint32(in.imm>>32)]
		d, s := addr(regs[in.a], dt.Type.Is64), addr(regs[in.b], srcT.Type.Is64)
		n := addr(regs[in.c], dt.Type.Is64 && srcT.Type.Is64)
		if !inRange(s, n, uint64(len(srcT.Elems))) || !inRange(d, n, uint64(len(dt.Elems))) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(dt.Elems[d:d+n], srcT.Elems[s:s+n], dt == srcT && d > s, m.checkpoint)
	case opTableInit:
		tbl := st.tables[uint32(in.imm>>32)]
		seg := st.inst.Elems()[uint32(in.imm)]
		d, s, n := addr(regs[in.a], tbl.Type.Is64), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if !inRange(s, n, uint64(len(seg))) || !inRange(d, n, uint64(len(tbl.Elems))) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(tbl.Elems[d:d+n], seg[s:s+n], false, m.checkpoint)
	case opElemDrop:
		st.inst.DropElem(uint32(in.imm))
	case opMemoryInit:
		mem := st.mems[uint32(in.imm>>32)]
		seg := st.inst.Datas()[uint32(in.imm)]
		d, s, n := addr(regs[in.a], mem.Type.Is64), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if !inRange(s, n, uint64(len(seg))) || !inRange(d, n, uint64(len(mem.Bytes))) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(mem.Bytes[d:d+n], seg[s:s+n], false, m.checkpoint)
	case opDataDrop:
		st.inst.DropData(uint32(in.imm))
	case opMemoryCopy:
		dm, sm := st.mems[uint32(in.imm)], st.mems[uint32(in.imm>>32)]
		d, s := addr(regs[in.a], dm.Type.Is64), addr(regs[in.b], sm.Type.Is64)
		n := addr(regs[in.c], dm.Type.Is64 && sm.Type.Is64)
		if !inRange(s, n, uint64(len(sm.Bytes))) || !inRange(d, n, uint64(len(dm.Bytes))) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(dm.Bytes[d:d+n], sm.Bytes[s:s+n], dm == sm && d > s, m.checkpoint)
	case opMemoryFill:
		mem := st.mems[in.imm]
		d, v, n := addr(regs[in.a], mem.Type.Is64), byte(regs[in.b]), addr(regs[in.c], mem.Type.Is64)
		if !inRange(d, n, uint64(len(mem.Bytes))) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.FillBytes(mem.Bytes[d:d+n], v, m.checkpoint)
	default:
		return abi.TrapUnreachable // never produced by the translator
	}
	return abi.TrapNone
}

// addr reads an index or size operand of the given address type.
func addr(v uint64, is64 bool) uint64 {
	if is64 {
		return v
	}
	return uint64(uint32(v))
}

// inRange reports whether [start, start+n) lies within [0, size), with no
// overflow of 64 bits.
func inRange(start, n, size uint64) bool {
	return start <= size && n <= size-start
}
