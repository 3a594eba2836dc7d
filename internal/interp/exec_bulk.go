package interp

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// execBulk runs table instructions and bulk memory operations. Every range is
// checked before anything is written (2.0 semantics: no partial writes), and
// copies within one memory or table handle overlap (Go's copy is memmove).
// The copies and fills run in chunks with m's checkpoint between them
// (vm/bulk.go), so a long one lets the Go runtime in and can be
// interrupted.
func execBulk(in *instr, regs []uint64, st *instState, m *machine) abi.TrapCode {
	switch in.op {
	case opTableGet:
		tbl := st.tables[in.c]
		i := uint32(regs[in.b])
		if uint64(i) >= uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		regs[in.a] = tbl.Elems[i]
	case opTableSet:
		tbl := st.tables[in.imm]
		i := uint32(regs[in.b])
		if uint64(i) >= uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		tbl.Elems[i] = regs[in.c]
	case opTableSize:
		regs[in.a] = uint64(st.tables[in.c].Size())
	case opTableGrow:
		tbl := st.tables[in.imm]
		init, n := regs[in.b], uint32(regs[in.c])
		if old, ok := tbl.Grow(n, init); ok {
			regs[in.a] = uint64(old)
		} else {
			regs[in.a] = 0xffffffff
		}
	case opTableFill:
		tbl := st.tables[in.imm]
		i, v, n := uint64(uint32(regs[in.a])), regs[in.b], uint64(uint32(regs[in.c]))
		if i+n > uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.FillWords(tbl.Elems[i:i+n], v, m.checkpoint)
	case opTableCopy:
		dt, srcT := st.tables[uint32(in.imm)], st.tables[uint32(in.imm>>32)]
		d, s, n := uint64(uint32(regs[in.a])), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if s+n > uint64(len(srcT.Elems)) || d+n > uint64(len(dt.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(dt.Elems[d:d+n], srcT.Elems[s:s+n], dt == srcT && d > s, m.checkpoint)
	case opTableInit:
		tbl := st.tables[uint32(in.imm>>32)]
		seg := st.inst.Elems[uint32(in.imm)]
		d, s, n := uint64(uint32(regs[in.a])), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if s+n > uint64(len(seg)) || d+n > uint64(len(tbl.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(tbl.Elems[d:d+n], seg[s:s+n], false, m.checkpoint)
	case opElemDrop:
		st.inst.Elems[in.imm] = nil
	case opMemoryInit:
		mem := st.mem.Bytes
		seg := st.inst.Datas[in.imm]
		d, s, n := uint64(uint32(regs[in.a])), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if s+n > uint64(len(seg)) || d+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(mem[d:d+n], seg[s:s+n], false, m.checkpoint)
	case opDataDrop:
		st.inst.Datas[in.imm] = nil
	case opMemoryCopy:
		mem := st.mem.Bytes
		d, s, n := uint64(uint32(regs[in.a])), uint64(uint32(regs[in.b])), uint64(uint32(regs[in.c]))
		if s+n > uint64(len(mem)) || d+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(mem[d:d+n], mem[s:s+n], d > s, m.checkpoint)
	case opMemoryFill:
		mem := st.mem.Bytes
		d, v, n := uint64(uint32(regs[in.a])), byte(regs[in.b]), uint64(uint32(regs[in.c]))
		if d+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.FillBytes(mem[d:d+n], v, m.checkpoint)
	default:
		return abi.TrapUnreachable // never produced by the translator
	}
	return abi.TrapNone
}
