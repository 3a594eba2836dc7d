package compiler

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// builtin performs runtime routine b with its argument words (see
// abi/builtins.go for each one's arguments), returning a trap code or
// TrapNone. Every bounds check is done in 64 bits before anything is
// written, as the spec requires; the copies and fills then run in chunks
// with check between them (vm/bulk.go), which may stop them with
// TrapInterrupted.
func (st *instance) builtin(b abi.Builtin, args *[abi.ExitArgWords]uint64, check func() abi.TrapCode) abi.TrapCode {
	u := func(k int) uint64 { return uint64(uint32(args[k])) }
	inst := st.inst
	var mem []byte
	if m0 := st.memory0(); m0 != nil {
		mem = m0.Bytes
	}
	switch b {
	case abi.BuiltinMemoryInit:
		data, dst, src, n := u(0), u(1), u(2), u(3)
		if data >= uint64(len(inst.Datas())) {
			return abi.TrapMemoryOutOfBounds
		}
		seg := inst.Datas()[data]
		if src+n > uint64(len(seg)) || dst+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(mem[dst:dst+n], seg[src:src+n], false, check)
	case abi.BuiltinDataDrop:
		if d := u(0); d < uint64(len(inst.Datas())) {
			inst.DropData(uint32(d))
		}
	case abi.BuiltinMemoryCopy:
		dst, src, n := u(0), u(1), u(2)
		if src+n > uint64(len(mem)) || dst+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(mem[dst:dst+n], mem[src:src+n], dst > src, check)
	case abi.BuiltinMemoryFill:
		dst, val, n := u(0), byte(args[1]), u(2)
		if dst+n > uint64(len(mem)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.FillBytes(mem[dst:dst+n], val, check)
	// Table operations take whole words: an i32 operand is zero-extended
	// in its word, an i64 (a 64-bit table's) is not truncated, and every
	// check is one that cannot overflow (inBounds).
	case abi.BuiltinTableInit:
		tab, elem, dst, src, n := st.table(args[0]), args[1], args[2], args[3], args[4]
		if tab == nil || elem >= uint64(len(inst.Elems())) {
			return abi.TrapTableOutOfBounds
		}
		seg := inst.Elems()[elem]
		if !inBounds(src, n, len(seg)) || !inBounds(dst, n, len(tab.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(tab.Elems[dst:dst+n], seg[src:src+n], false, check)
	case abi.BuiltinElemDrop:
		if e := u(0); e < uint64(len(inst.Elems())) {
			inst.DropElem(uint32(e))
		}
	case abi.BuiltinTableCopy:
		dt, stab, dst, src, n := st.table(args[0]), st.table(args[1]), args[2], args[3], args[4]
		if dt == nil || stab == nil || !inBounds(src, n, len(stab.Elems)) || !inBounds(dst, n, len(dt.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.CopyWords(dt.Elems[dst:dst+n], stab.Elems[src:src+n], dt == stab && dst > src, check)
	case abi.BuiltinTableFill:
		tab, dst, val, n := st.table(args[0]), args[1], args[2], args[3]
		if tab == nil || !inBounds(dst, n, len(tab.Elems)) {
			return abi.TrapTableOutOfBounds
		}
		return vm.FillWords(tab.Elems[dst:dst+n], val, check)
	case abi.BuiltinMemoryInitAt, abi.BuiltinMemoryCopyAt, abi.BuiltinMemoryFillAt:
		return st.memoryBuiltin(b, args, check)
	case abi.BuiltinStructNew, abi.BuiltinArrayNew, abi.BuiltinArrayNewData, abi.BuiltinArrayNewElem,
		abi.BuiltinArrayFill, abi.BuiltinArrayCopy, abi.BuiltinArrayInitData, abi.BuiltinArrayInitElem,
		abi.BuiltinRefTest:
		return st.gcBuiltin(b, args, check)
	default:
		return abi.TrapUnreachable
	}
	return abi.TrapNone
}

// inBounds reports whether [off, off+n) lies within length elements,
// without computing off+n (which may overflow for 64-bit operands).
func inBounds(off, n uint64, length int) bool {
	return n <= uint64(length) && off <= uint64(length)-n
}

func (st *instance) table(i uint64) *vm.Table {
	if i < uint64(len(st.inst.Tables)) {
		return st.inst.Tables[i]
	}
	return nil
}
