package frontend

import (
	"math"

	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// memOp describes one load or store instruction.
type memOp struct {
	op    ssa.Opcode
	typ   ssa.Type // loaded type, or stored value's type
	size  uint64   // bytes accessed
	store bool
}

// memOps is indexed by opcode (the loads and stores are one-byte opcodes):
// an array, not a map, since every memory access looks it up.
var memOps = [...]memOp{
	wasm.OpI32Load:    {ssa.OpLoad, ssa.I32, 4, false},
	wasm.OpI64Load:    {ssa.OpLoad, ssa.I64, 8, false},
	wasm.OpF32Load:    {ssa.OpLoad, ssa.F32, 4, false},
	wasm.OpF64Load:    {ssa.OpLoad, ssa.F64, 8, false},
	wasm.OpI32Load8S:  {ssa.OpSload8, ssa.I32, 1, false},
	wasm.OpI32Load8U:  {ssa.OpUload8, ssa.I32, 1, false},
	wasm.OpI32Load16S: {ssa.OpSload16, ssa.I32, 2, false},
	wasm.OpI32Load16U: {ssa.OpUload16, ssa.I32, 2, false},
	wasm.OpI64Load8S:  {ssa.OpSload8, ssa.I64, 1, false},
	wasm.OpI64Load8U:  {ssa.OpUload8, ssa.I64, 1, false},
	wasm.OpI64Load16S: {ssa.OpSload16, ssa.I64, 2, false},
	wasm.OpI64Load16U: {ssa.OpUload16, ssa.I64, 2, false},
	wasm.OpI64Load32S: {ssa.OpSload32, ssa.I64, 4, false},
	wasm.OpI64Load32U: {ssa.OpUload32, ssa.I64, 4, false},
	wasm.OpI32Store:   {ssa.OpStore, ssa.I32, 4, true},
	wasm.OpI64Store:   {ssa.OpStore, ssa.I64, 8, true},
	wasm.OpF32Store:   {ssa.OpStore, ssa.F32, 4, true},
	wasm.OpF64Store:   {ssa.OpStore, ssa.F64, 8, true},
	wasm.OpI32Store8:  {ssa.OpIstore8, ssa.I32, 1, true},
	wasm.OpI32Store16: {ssa.OpIstore16, ssa.I32, 2, true},
	wasm.OpI64Store8:  {ssa.OpIstore8, ssa.I64, 1, true},
	wasm.OpI64Store16: {ssa.OpIstore16, ssa.I64, 2, true},
	wasm.OpI64Store32: {ssa.OpIstore32, ssa.I64, 4, true},
}

// memoryAccess translates a load or store, checked by checkedAddr (a
// 32-bit memory 0) or checkedAddrAt (any other memory).
func (t *translator) memoryAccess(in *wasm.Instr) { t.memoryAccessOp(in.Op, in.Mem, in.Imm) }

// memoryAccessOp translates load or store op of memory mem at offset.
func (t *translator) memoryAccessOp(op wasm.Opcode, mem uint32, offset uint64) {
	mo := memOps[op]
	var val ssa.Value
	if mo.store {
		val = t.pop()
	}
	addr, disp, flags := t.accessAddrOf(mem, offset, t.pop(), mo.size)
	if mo.store {
		t.b.Store(mo.op, val, addr, disp, flags)
		return
	}
	t.push(t.b.Load(mo.op, mo.typ, addr, disp, flags))
}

// checkedAddr returns the host address, displacement and flags of a
// size-byte access at addr+offset in memory mem, addressing
// base + uextend(addr) with the Wasm offset as the displacement when it
// fits.
//
// With an explicit bounds check (the default): the effective address
// uextend(addr) + offset must satisfy ea + size <= memory length
// (unsigned, in 64 bits, where nothing can overflow), or the access traps
// with out-of-bounds; the access itself is then notrap.
//
// Without one (guard-page mode, for memory 0 when it is 32-bit and
// Env.unchecked allows; see uncheckedAccess): the access may
// fault, so it is left trapping (no MemNoTrap), which keeps it in place
// and in order with every other trap; the back end records it as a fault
// site. Why it cannot reach outside the memory's reservation: uextend
// makes the index a true zero-extension, below 2^32 (the back end
// computes it with a 32-bit instruction, which clears the upper half), and
// the displacement is the offset itself, so every byte touched lies in
// [base, base + 2^32-1 + offset + size), which Env.Unchecked bounds by the
// reservation and its guard after; every page there that the memory has
// not committed is PROT_NONE. Nothing adds to or subtracts from the index
// on the way (a constant address folds into the displacement, still
// non-negative), and the guard before byte 0 catches the one way to get
// it wrong, a sign extension.
func (t *translator) checkedAddr(mem uint32, addr ssa.Value, offset, size uint64) (ssa.Value, int32, ssa.MemFlags) {
	b := t.b
	idx := b.Uextend(addr)
	flags := ssa.MemFlags(0)
	if !t.uncheckedAccess(mem, offset, size) {
		end := b.Iadd(idx, b.Iconst(ssa.I64, int64(offset+size)))
		b.Trapnz(b.Icmp(ssa.IntUGT, end, t.memoryLen()), abi.TrapMemoryOutOfBounds)
		flags = ssa.MemNoTrap
	}
	p := b.Iadd(t.memoryBase(), idx)
	if offset <= math.MaxInt32 {
		return p, int32(offset), flags
	}
	return b.Iadd(p, b.Iconst(ssa.I64, int64(offset))), 0, flags
}

// uncheckedAccess reports whether an access of size bytes at offset in
// memory mem may go without a bounds check. Env.Unchecked describes the
// layout of memory 0 alone, and only a 32-bit index has the bound the
// reservation relies on: every other memory, and a 64-bit one, is checked
// (by checkedAddrAt, memory_multi.go, which never leaves an access
// unchecked).
func (t *translator) uncheckedAccess(mem uint32, offset, size uint64) bool {
	return mem == 0 && t.m.NumMemories() > 0 && !t.m.MemoryTypeOf(0).Is64 && t.env.unchecked(offset, size)
}

func (t *translator) memorySizeGrow(in *wasm.Instr) {
	b := t.b
	if in.Op == wasm.OpMemorySize {
		t.push(b.Ireduce(b.Ushr(t.memoryLen(), b.Iconst(ssa.I64, 16))))
		return
	}
	delta := t.pop()
	t.push(t.callBuiltin(abi.BuiltinMemoryGrow, []ssa.Type{ssa.I32}, delta)[0])
}

// bulkMemory translates memory.init/copy/fill and data.drop into builtin
// calls; the runtime checks bounds and traps.
func (t *translator) bulkMemory(in *wasm.Instr) {
	b := t.b
	switch in.Op {
	case wasm.OpMemoryInit:
		n, s, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryInit, nil, b.Iconst(ssa.I32, int64(in.X)), d, s, n)
	case wasm.OpDataDrop:
		t.callBuiltin(abi.BuiltinDataDrop, nil, b.Iconst(ssa.I32, int64(in.X)))
	case wasm.OpMemoryCopy:
		n, s, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryCopy, nil, d, s, n)
	case wasm.OpMemoryFill:
		n, v, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinMemoryFill, nil, d, v, n)
	}
}
