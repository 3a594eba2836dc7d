package frontend

import (
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// Vector memory accesses. Only v128.load and v128.store access 16 bytes;
// the others are a scalar access of their width plus a vector operation
// (the IR has no narrow vector loads, see internal/ssa/opcodes_simd.go).
// Every access is checked by checkedAddr with its own width, as the
// scalar ones are (explicitly, or by the guard pages).

type vectorMemKind uint8

const (
	vmLoad      vectorMemKind = iota // load.v128
	vmStore                          // store of a v128
	vmExtend                         // load.i64, scalar_to_vector.i64x2, then widen (op) to shape
	vmSplat                          // scalar load, splat.shape
	vmZero                           // scalar load, scalar_to_vector.shape
	vmLoadLane                       // scalar load, insertlane.shape
	vmStoreLane                      // extractlane.shape, scalar store
)

type vectorMemOp struct {
	kind  vectorMemKind
	size  uint64    // bytes accessed
	shape ssa.Shape // of the vector operation
	op    ssa.Opcode
}

var vectorMemOps = map[wasm.Opcode]vectorMemOp{
	wasm.OpV128Load:        {kind: vmLoad, size: 16},
	wasm.OpV128Store:       {kind: vmStore, size: 16},
	wasm.OpV128Load8x8S:    {kind: vmExtend, size: 8, shape: ssa.I16x8, op: ssa.OpSwidenLow},
	wasm.OpV128Load8x8U:    {kind: vmExtend, size: 8, shape: ssa.I16x8, op: ssa.OpUwidenLow},
	wasm.OpV128Load16x4S:   {kind: vmExtend, size: 8, shape: ssa.I32x4, op: ssa.OpSwidenLow},
	wasm.OpV128Load16x4U:   {kind: vmExtend, size: 8, shape: ssa.I32x4, op: ssa.OpUwidenLow},
	wasm.OpV128Load32x2S:   {kind: vmExtend, size: 8, shape: ssa.I64x2, op: ssa.OpSwidenLow},
	wasm.OpV128Load32x2U:   {kind: vmExtend, size: 8, shape: ssa.I64x2, op: ssa.OpUwidenLow},
	wasm.OpV128Load8Splat:  {kind: vmSplat, size: 1, shape: ssa.I8x16},
	wasm.OpV128Load16Splat: {kind: vmSplat, size: 2, shape: ssa.I16x8},
	wasm.OpV128Load32Splat: {kind: vmSplat, size: 4, shape: ssa.I32x4},
	wasm.OpV128Load64Splat: {kind: vmSplat, size: 8, shape: ssa.I64x2},
	wasm.OpV128Load32Zero:  {kind: vmZero, size: 4, shape: ssa.I32x4},
	wasm.OpV128Load64Zero:  {kind: vmZero, size: 8, shape: ssa.I64x2},
	wasm.OpV128Load8Lane:   {kind: vmLoadLane, size: 1, shape: ssa.I8x16},
	wasm.OpV128Load16Lane:  {kind: vmLoadLane, size: 2, shape: ssa.I16x8},
	wasm.OpV128Load32Lane:  {kind: vmLoadLane, size: 4, shape: ssa.I32x4},
	wasm.OpV128Load64Lane:  {kind: vmLoadLane, size: 8, shape: ssa.I64x2},
	wasm.OpV128Store8Lane:  {kind: vmStoreLane, size: 1, shape: ssa.I8x16},
	wasm.OpV128Store16Lane: {kind: vmStoreLane, size: 2, shape: ssa.I16x8},
	wasm.OpV128Store32Lane: {kind: vmStoreLane, size: 4, shape: ssa.I32x4},
	wasm.OpV128Store64Lane: {kind: vmStoreLane, size: 8, shape: ssa.I64x2},
}

// scalarLoads and scalarStores are the scalar accesses of each width; the
// loaded value is the scalar type of the lane shape of that width.
var (
	scalarLoads = map[uint64]struct {
		op  ssa.Opcode
		typ ssa.Type
	}{1: {ssa.OpUload8, ssa.I32}, 2: {ssa.OpUload16, ssa.I32}, 4: {ssa.OpLoad, ssa.I32}, 8: {ssa.OpLoad, ssa.I64}}
	scalarStores = map[uint64]ssa.Opcode{1: ssa.OpIstore8, 2: ssa.OpIstore16, 4: ssa.OpStore, 8: ssa.OpStore}
)

// vectorMemory translates a vector load or store.
func (t *translator) vectorMemory(in *wasm.Instr, acc vectorMemOp) {
	b := t.b
	var val ssa.Value
	if acc.kind == vmStore || acc.kind == vmLoadLane || acc.kind == vmStoreLane {
		val = t.pop()
	}
	addr, disp, flags := t.accessAddr(in, t.pop(), acc.size)
	scalar := func() ssa.Value {
		ld := scalarLoads[acc.size]
		return b.Load(ld.op, ld.typ, addr, disp, flags)
	}
	switch acc.kind {
	case vmLoad:
		t.push(b.Load(ssa.OpLoad, ssa.V128, addr, disp, flags))
	case vmStore:
		b.Store(ssa.OpStore, val, addr, disp, flags)
	case vmExtend:
		v := b.Vector(ssa.OpScalarToVector, ssa.I64x2, scalar())
		t.push(b.Vector(acc.op, acc.shape, v))
	case vmSplat:
		t.push(b.Vector(ssa.OpSplat, acc.shape, scalar()))
	case vmZero:
		t.push(b.Vector(ssa.OpScalarToVector, acc.shape, scalar()))
	case vmLoadLane:
		t.push(b.VectorLane(ssa.OpInsertlane, acc.shape, int(in.Y), val, scalar()))
	case vmStoreLane:
		x := b.VectorLane(ssa.OpExtractlane, acc.shape, int(in.Y), val)
		b.Store(scalarStores[acc.size], x, addr, disp, flags)
	}
}
