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
		n := t.tableLen(t.tableDesc(in.X))
		if !t.table64(in.X) {
			n = b.Ireduce(n)
		}
		t.push(n)
	case wasm.OpTableGrow:
		n := t.pop()
		init := t.pop()
		rt := ssa.I32
		if t.table64(in.X) {
			rt = ssa.I64 // -1 on failure is all ones: the runtime writes the whole word
		}
		t.push(t.callBuiltin(abi.BuiltinTableGrow, []ssa.Type{rt}, i32(in.X), init, n)[0])
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

// table64 reports whether table i is indexed by i64 (memory64): its
// indices, sizes and counts are i64 values, never zero-extended.
func (t *translator) table64(i uint32) bool { return i < uint32(len(t.tab64)) && t.tab64[i] }

// addressTypes records which memories and tables are 64-bit, in one pass
// over the imports.
func (t *translator) addressTypes() {
	t.mem64, t.tab64 = t.mem64[:0], t.tab64[:0]
	for i := range t.m.Imports {
		switch im := &t.m.Imports[i]; im.Kind {
		case wasm.ExternMemory:
			t.mem64 = append(t.mem64, im.Memory.Is64)
		case wasm.ExternTable:
			t.tab64 = append(t.tab64, im.Table.Is64)
		}
	}
	for _, mt := range t.m.Memories {
		t.mem64 = append(t.mem64, mt.Is64)
	}
	for i := range t.m.Tables {
		t.tab64 = append(t.tab64, t.m.Tables[i].Type.Is64)
	}
}
