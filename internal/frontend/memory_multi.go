package frontend

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Memories other than a 32-bit memory 0: further memories (multi-memory)
// and 64-bit memories (memory64). They keep explicit bounds checks in a
// code path of their own; memory 0 of 32 bits keeps its fast path
// (memory.go), whatever that becomes. A memory other than 0 is reached
// through its descriptor (abi.MemoryDesc*): a base that never changes once
// bound and a length the runtime keeps current. Their bulk operations and
// memory.grow are runtime builtins.

// otherMemory reports whether memory mem takes this file's path.
func (t *translator) otherMemory(mem uint32) bool { return mem != 0 || t.memory64(0) }

// memory64 reports whether memory mem is addressed by i64.
func (t *translator) memory64(mem uint32) bool { return mem < uint32(len(t.mem64)) && t.mem64[mem] }

// accessAddr is checkedAddr for the load or store in on any memory: the
// host address, displacement and the access's flags. Memories on this
// file's path are always checked explicitly, so their accesses are notrap.
func (t *translator) accessAddr(in *wasm.Instr, addr ssa.Value, size uint64) (ssa.Value, int32, ssa.MemFlags) {
	return t.accessAddrOf(in.Mem, in.Imm, addr, size)
}

// accessAddrOf is accessAddr for an access of memory mem at offset.
func (t *translator) accessAddrOf(mem uint32, offset uint64, addr ssa.Value, size uint64) (ssa.Value, int32, ssa.MemFlags) {
	if t.otherMemory(mem) {
		p, disp := t.checkedAddrAt(mem, addr, offset, size)
		return p, disp, ssa.MemNoTrap
	}
	return t.checkedAddr(mem, addr, offset, size)
}

// memoryDesc is the address of memory mem's descriptor.
func (t *translator) memoryDesc(mem uint32) ssa.Value {
	return t.elemAddr(t.ctxLoad(abi.CtxMemories, fixedField), uint64(mem)*abi.MemoryDescSize)
}

// memoryBaseLen are memory mem's base address and current length (i64).
func (t *translator) memoryBaseLen(mem uint32) (base, length ssa.Value) {
	if mem == 0 {
		return t.memoryBase(), t.memoryLen()
	}
	d := t.memoryDesc(mem)
	base = t.b.Load(ssa.OpLoad, ssa.I64, d, abi.MemoryDescBase, fixedField)
	length = t.b.Load(ssa.OpLoad, ssa.I64, d, abi.MemoryDescLen, liveField)
	return base, length
}

// maxAccessEnd bounds offset+size of an access that can succeed: no
// memory is longer than 4 GiB at run time (vm.Memory's limit).
const maxAccessEnd = 1 << 32

// checkedAddrAt checks a size-byte access at addr+offset of memory mem
// and returns the host address and displacement. A 64-bit address plus
// the offset may pass 2^64: an access whose end is below its address
// wrapped and is out of bounds, as is one whose offset alone passes any
// memory's length.
func (t *translator) checkedAddrAt(mem uint32, addr ssa.Value, offset, size uint64) (ssa.Value, int32) {
	b := t.b
	base, length := t.memoryBaseLen(mem)
	idx := addr
	if !t.memory64(mem) {
		idx = b.Uextend(addr)
	}
	if offset > maxAccessEnd {
		// No access with this offset is in bounds (a constant trap that
		// keeps the block open for the access the caller emits).
		b.Trapnz(b.Iconst(ssa.I32, 1), abi.TrapMemoryOutOfBounds)
		return b.Iadd(base, idx), 0
	}
	end := b.Iadd(idx, b.Iconst(ssa.I64, int64(offset+size)))
	if t.memory64(mem) {
		b.Trapnz(b.Icmp(ssa.IntULT, end, idx), abi.TrapMemoryOutOfBounds)
	}
	b.Trapnz(b.Icmp(ssa.IntUGT, end, length), abi.TrapMemoryOutOfBounds)
	p := b.Iadd(base, idx)
	if offset <= math.MaxInt32 {
		return p, int32(offset)
	}
	return b.Iadd(p, b.Iconst(ssa.I64, int64(offset))), 0
}

// memorySizeGrowAt translates memory.size and memory.grow of any memory:
// i64 sizes and deltas for a 64-bit memory.
func (t *translator) memorySizeGrowAt(in *wasm.Instr) {
	b := t.b
	rt := ssa.I32
	if t.memory64(in.X) {
		rt = ssa.I64
	}
	if in.Op == wasm.OpMemorySize {
		_, length := t.memoryBaseLen(in.X)
		pages := b.Ushr(length, b.Iconst(ssa.I64, 16))
		if rt == ssa.I32 {
			pages = b.Ireduce(pages)
		}
		t.push(pages)
		return
	}
	delta := t.pop()
	t.push(t.callBuiltin(abi.BuiltinMemoryGrowAt, []ssa.Type{rt}, b.Iconst(ssa.I32, int64(in.X)), delta)[0])
}

// bulkMemoryAt translates memory.init, memory.copy and memory.fill when
// they involve a memory other than a 32-bit memory 0, and reports whether
// it did.
func (t *translator) bulkMemoryAt(in *wasm.Instr) bool {
	b := t.b
	i32 := func(x uint32) ssa.Value { return b.Iconst(ssa.I32, int64(x)) }
	switch in.Op {
	case wasm.OpMemoryInit: // X = data, Y = memory
		if !t.otherMemory(in.Y) {
			return false
		}
		n, s, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryInitAt, nil, i32(in.Y), i32(in.X), d, s, n)
	case wasm.OpMemoryCopy: // X = destination, Y = source
		if in.X == in.Y && !t.otherMemory(in.X) {
			return false
		}
		n, s, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryCopyAt, nil, i32(in.X), i32(in.Y), d, s, n)
	case wasm.OpMemoryFill:
		if !t.otherMemory(in.X) {
			return false
		}
		n, v, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryFillAt, nil, i32(in.X), d, v, n)
	default:
		return false
	}
	return true
}
