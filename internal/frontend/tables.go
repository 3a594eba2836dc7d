package frontend

import (
	"github.com/moat-run/moat/internal/abi"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/wasm"
)

// table translates table.get/set/size inline (a bounds check against the
// descriptor's size, then the element word) and the rest as builtins.
func (t *translator) table(in *wasm.Instr) error {
	b := t.b
	i32 := func(x uint32) ssa.Value { return b.Iconst(ssa.I32, int64(x)) }
	switch in.Op {
	case wasm.OpTableGet:
		idx := t.pop()
		addr := t.tableElemAddr(in.X, idx, abi.TrapTableOutOfBounds)
		t.push(b.Load(ssa.OpLoad, ssa.I64, addr, 0, liveField))
	case wasm.OpTableSet:
		val := t.pop()
		idx := t.pop()
		addr := t.tableElemAddr(in.X, idx, abi.TrapTableOutOfBounds)
		b.Store(ssa.OpStore, val, addr, 0, liveField)
	case wasm.OpTableSize:
		t.push(b.Ireduce(t.tableLen(t.tableDesc(in.X))))
	case wasm.OpTableGrow:
		n := t.pop()
		init := t.pop()
		t.push(t.callBuiltin(abi.BuiltinTableGrow, []ssa.Type{ssa.I32}, i32(in.X), init, n)[0])
	case wasm.OpTableFill:
		n, val, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinTableFill, nil, i32(in.X), d, val, n)
	case wasm.OpTableCopy:
		n, s, d := t.pop(), t.pop(), t.pop()
		t.callBuiltin(abi.BuiltinTableCopy, nil, i32(in.X), i32(in.Y), d, s, n)
	case wasm.OpTableInit:
		n, s, d := t.pop(), t.pop(), t.pop()
		// ImmTableInit: X is the element segment, Y the table.
		t.callBuiltin(abi.BuiltinTableInit, nil, i32(in.Y), i32(in.X), d, s, n)
	case wasm.OpElemDrop:
		t.callBuiltin(abi.BuiltinElemDrop, nil, i32(in.X))
	}
	return nil
}
