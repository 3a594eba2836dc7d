package compiler

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/vm"
)

// The bulk memory builtins of any memory (multiple memories, 64-bit
// memories): operands are whole words, i32 ones zero-extended by the
// code, i64 ones (a 64-bit memory's addresses) as they are; bounds are
// checked without overflow before anything is written. They run in chunks
// with check between them, as the builtins of memory 0 do.
func (st *instance) memoryBuiltin(b abi.Builtin, args *[abi.ExitArgWords]uint64, check func() abi.TrapCode) abi.TrapCode {
	mem := func(k int) []byte {
		if m := st.memory(args[k]); m != nil {
			return m.Bytes
		}
		return nil
	}
	switch b {
	case abi.BuiltinMemoryInitAt:
		if st.memory(args[0]) == nil || args[1] >= uint64(len(st.inst.Datas())) {
			return abi.TrapMemoryOutOfBounds
		}
		m, seg := mem(0), st.inst.Datas()[args[1]]
		dst, src, n := args[2], args[3], args[4]
		if !inBounds(src, n, len(seg)) || !inBounds(dst, n, len(m)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.CopyBytes(m[dst:dst+n], seg[src:src+n], false, check)
	case abi.BuiltinMemoryCopyAt:
		if st.memory(args[0]) == nil || st.memory(args[1]) == nil {
			return abi.TrapMemoryOutOfBounds
		}
		dm, sm := mem(0), mem(1)
		dst, src, n := args[2], args[3], args[4]
		if !inBounds(src, n, len(sm)) || !inBounds(dst, n, len(dm)) {
			return abi.TrapMemoryOutOfBounds
		}
		// The same memory may be reached by two indices (imported twice).
		same := st.memory(args[0]) == st.memory(args[1])
		return vm.CopyBytes(dm[dst:dst+n], sm[src:src+n], same && dst > src, check)
	case abi.BuiltinMemoryFillAt:
		if st.memory(args[0]) == nil {
			return abi.TrapMemoryOutOfBounds
		}
		m, dst, val, n := mem(0), args[1], byte(args[2]), args[3]
		if !inBounds(dst, n, len(m)) {
			return abi.TrapMemoryOutOfBounds
		}
		return vm.FillBytes(m[dst:dst+n], val, check)
	}
	return abi.TrapNone
}

func (st *instance) memory(i uint64) *vm.Memory {
	if i < uint64(len(st.inst.Memories)) {
		return st.inst.Memories[i]
	}
	return nil
}

// checkSubtype serves BuiltinFuncSubtype: call_indirect of a type with
// subtypes through a descriptor of another type id passes when the
// callee's type is a subtype of the expected one, as in the interpreter.
func (st *instance) checkSubtype(e *vm.Exit) error {
	f := st.refs().Decode(e.Args[0])
	m := st.mc.m
	if f != nil && e.Args[1] < uint64(len(m.Types)) {
		want := &m.Types[e.Args[1]].Func
		if f.Type == want || f.Type.SubtypeOf(want) {
			return nil
		}
	}
	return st.trap(abi.TrapIndirectCallTypeMismatch, e)
}
