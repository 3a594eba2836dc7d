package validate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/wasm"
)

// Short names for building bodies by hand.
const (
	i32  = wasm.I32
	i64  = wasm.I64
	f32  = wasm.F32
	v128 = wasm.V128
	fref = wasm.FuncRef
	xref = wasm.ExternRef
)

func ft(params, results []wasm.ValType) wasm.FuncType {
	return wasm.FuncType{Params: params, Results: results}
}

func vt(ts ...wasm.ValType) []wasm.ValType { return ts }

// oneFunc is a module with one function of type [] -> results, the given
// locals and body (without the final end, which is appended), plus a memory,
// a funcref table and an immutable and a mutable i32 global.
func oneFunc(results []wasm.ValType, locals []wasm.LocalEntry, body ...byte) *wasm.Module {
	return &wasm.Module{
		Types:    wasm.PlainTypes(ft(nil, results), ft(vt(i32), vt(i32, i32)), ft(nil, nil), ft(vt(i32), vt(i32))),
		Funcs:    []uint32{0},
		Memories: []wasm.MemoryType{{Limits: wasm.Limits{Min: 1}}},
		Tables:   []wasm.Table{{Type: wasm.TableType{Elem: fref, Limits: wasm.Limits{Min: 1}}}, {Type: wasm.TableType{Elem: xref}}},
		Globals: []wasm.Global{
			{Type: wasm.GlobalType{Val: i32}, Init: i32Const(0)},
			{Type: wasm.GlobalType{Val: i32, Mutable: true}, Init: i32Const(0)},
		},
		Code: []wasm.Code{{Locals: locals, Body: append(body, 0x0b), Offset: 100}},
	}
}

func i32Const(v uint32) wasm.ConstExpr {
	return wasm.NewConstExpr([]wasm.Instr{{Op: wasm.OpI32Const, Imm: uint64(v), Offset: 10}}, 10)
}

func expr(ins ...wasm.Instr) wasm.ConstExpr { return wasm.NewConstExpr(ins, 10) }

// check validates m and compares the error message prefix with want ("" = valid).
func check(t *testing.T, name string, m *wasm.Module, want string) {
	t.Helper()
	checkFeatures(t, name, m, 0, want)
}

// check20 is check with every 3.0 feature off: 2.0's rules.
func check20(t *testing.T, name string, m *wasm.Module, want string) {
	t.Helper()
	checkFeatures(t, name, m, wasm.AllFeatures, want)
}

func checkFeatures(t *testing.T, name string, m *wasm.Module, off wasm.Features, want string) {
	t.Helper()
	err := validate.ModuleFeatures(m, off)
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error: %v", name, err)
		}
		return
	}
	var we *wasm.Error
	if !errors.As(err, &we) || we.Kind != wasm.Invalid {
		t.Errorf("%s: got %v, want invalid %q", name, err, want)
		return
	}
	if !strings.HasPrefix(we.Msg, want) {
		t.Errorf("%s: got %q, want %q", name, we.Msg, want)
	}
}

func TestBodies(t *testing.T) {
	noLocals := []wasm.LocalEntry(nil)
	tests := []struct {
		name    string
		results []wasm.ValType
		locals  []wasm.LocalEntry
		body    []byte
		want    string
	}{
		{"empty", nil, noLocals, nil, ""},
		{"add", vt(i32), noLocals, []byte{0x41, 1, 0x41, 2, 0x6a}, ""},
		{"add mismatch", vt(i32), noLocals, []byte{0x42, 1, 0x41, 2, 0x6a}, "type mismatch"},
		{"missing result", vt(i32), noLocals, nil, "type mismatch"},
		{"extra value", nil, noLocals, []byte{0x41, 1}, "type mismatch"},
		{"unreachable polymorphic", vt(i32), noLocals, []byte{0x00, 0x6a}, ""},
		{"unreachable then wrong", vt(i32), noLocals, []byte{0x00, 0x42, 0, 0x6a}, "type mismatch"},
		{"br polymorphic", vt(i64), noLocals, []byte{0x02, 0x40, 0x0c, 0, 0x6a, 0x1a, 0x0b, 0x42, 0}, ""},
		{"unknown label", nil, noLocals, []byte{0x0c, 1}, "unknown label"},
		{"unknown local", nil, []wasm.LocalEntry{{Count: 2, Type: i32}}, []byte{0x20, 2, 0x1a}, "unknown local"},
		{"local types", vt(i64), []wasm.LocalEntry{{Count: 2, Type: i32}, {Count: 1, Type: i64}}, []byte{0x20, 2}, ""},
		{"local set mismatch", nil, []wasm.LocalEntry{{Count: 1, Type: f32}}, []byte{0x41, 0, 0x21, 0}, "type mismatch"},
		{"global immutable", nil, noLocals, []byte{0x41, 0, 0x24, 0}, "global is immutable"},
		{"global mutable", nil, noLocals, []byte{0x41, 0, 0x24, 1}, ""},
		{"unknown global", nil, noLocals, []byte{0x23, 2, 0x1a}, "unknown global"},
		{"select numeric", vt(i32), noLocals, []byte{0x41, 1, 0x41, 2, 0x41, 0, 0x1b}, ""},
		{"select ref untyped", nil, noLocals, []byte{0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1b, 0x1a}, "type mismatch"},
		{"select ref typed", nil, noLocals, []byte{0xd0, 0x70, 0xd0, 0x70, 0x41, 0, 0x1c, 1, 0x70, 0x1a}, ""},
		{"select two types", nil, noLocals, []byte{0x41, 1, 0x41, 2, 0x41, 0, 0x1c, 2, 0x7f, 0x7f, 0x1a}, "invalid result arity"},
		{"select unreachable", vt(i32), noLocals, []byte{0x00, 0x1b}, ""},
		{"select unreachable ref", nil, noLocals, []byte{0x00, 0xd0, 0x70, 0x41, 0, 0x1b, 0x1a}, "type mismatch"},
		{"if no else same", vt(i32), noLocals, []byte{0x41, 1, 0x41, 0, 0x04, 3, 0x0b}, ""},
		{"if no else result", vt(i32), noLocals, []byte{0x41, 0, 0x04, 0x7f, 0x41, 1, 0x0b}, "type mismatch"},
		{"if else", vt(i32), noLocals, []byte{0x41, 0, 0x04, 0x7f, 0x41, 1, 0x05, 0x41, 2, 0x0b}, ""},
		{"loop params", vt(i32, i32), noLocals, []byte{0x41, 1, 0x03, 1, 0x41, 2, 0x0b}, ""},
		{"block unknown type", nil, noLocals, []byte{0x02, 9, 0x0b}, "unknown type"},
		{"br_if keeps", vt(i32), noLocals, []byte{0x02, 0x7f, 0x41, 1, 0x41, 0, 0x0d, 0, 0x0b}, ""},
		{"br_table arity", nil, noLocals, []byte{0x02, 0x7f, 0x00, 0x0e, 1, 0, 1, 0x0b, 0x1a}, "type mismatch"},
		{"br_table types", vt(i32), noLocals, []byte{0x02, 0x7f, 0x02, 0x7e, 0x41, 0, 0x41, 0, 0x0e, 1, 0, 1, 0x0b, 0x1a, 0x41, 0, 0x0b}, "type mismatch"},
		{"br_table unreachable", nil, noLocals, []byte{0x02, 0x7f, 0x02, 0x7e, 0x00, 0x41, 0, 0x0e, 1, 0, 1, 0x0b, 0x1a, 0x41, 0, 0x0b, 0x1a}, ""},
		{"return", vt(i32), noLocals, []byte{0x41, 0, 0x0f}, ""},
		{"return mismatch", vt(i32), noLocals, []byte{0x42, 0, 0x0f}, "type mismatch"},
		{"call multi", vt(i32, i32), noLocals, []byte{0x41, 0, 0x10, 1}, "unknown function"},
		{"call_indirect", vt(i32, i32), noLocals, []byte{0x41, 0, 0x41, 0, 0x11, 1, 0}, ""},
		{"call_indirect externref table", vt(i32, i32), noLocals, []byte{0x41, 0, 0x41, 0, 0x11, 1, 1}, "type mismatch"},
		{"call_indirect unknown table", nil, noLocals, []byte{0x41, 0, 0x11, 2, 5}, "unknown table"},
		{"ref.func undeclared self", nil, noLocals, []byte{0xd2, 0, 0x1a}, "undeclared function reference"},
		{"ref.is_null number", vt(i32), noLocals, []byte{0x41, 0, 0xd1}, "type mismatch"},
		{"align natural", vt(i32), noLocals, []byte{0x41, 0, 0x28, 2, 0}, ""},
		{"align too big", vt(i32), noLocals, []byte{0x41, 0, 0x28, 3, 0}, "alignment must not be larger than natural"},
		{"align load8", vt(i32), noLocals, []byte{0x41, 0, 0x2c, 1, 0}, "alignment must not be larger than natural"},
		{"align big", vt(i32), noLocals, []byte{0x41, 0, 0x28, 0x3f, 0}, "alignment must not be larger than natural"},
		{"v128 align", nil, noLocals, []byte{0x41, 0, 0xfd, 0x00, 5, 0, 0x1a}, "alignment must not be larger than natural"},
		{"extract lane ok", vt(i32), noLocals, v128Body(0x15, 15), ""},
		{"extract lane", vt(i32), noLocals, v128Body(0x15, 16), "invalid lane index"},
		{"extract i64 lane", vt(i64), noLocals, v128Body(0x1d, 2), "invalid lane index"},
		{"load lane", nil, noLocals, append(append([]byte{0x41, 0}, v128Const()...), 0xfd, 0x57, 3, 0, 2, 0x1a), "invalid lane index"},
		{"load lane ok", nil, noLocals, append(append([]byte{0x41, 0}, v128Const()...), 0xfd, 0x57, 3, 0, 1, 0x1a), ""},
		{"shuffle", nil, noLocals, shuffleBody(32), "invalid lane index"},
		{"shuffle ok", nil, noLocals, shuffleBody(31), ""},
		{"table.get", nil, noLocals, []byte{0x41, 0, 0x25, 1, 0x1a}, ""},
		{"table.set mismatch", nil, noLocals, []byte{0x41, 0, 0xd0, 0x70, 0x26, 1}, "type mismatch"},
		{"table.copy mismatch", nil, noLocals, []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 14, 0, 1}, "type mismatch"},
		{"elem.drop unknown", nil, noLocals, []byte{0xfc, 13, 0}, "unknown elem segment"},
		{"memory.size", vt(i32), noLocals, []byte{0x3f, 0}, ""},
		{"memory.fill", nil, noLocals, []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 11, 0}, ""},
	}
	for _, tc := range tests {
		check(t, tc.name, oneFunc(tc.results, tc.locals, tc.body...), tc.want)
	}
	// 2.0 read a memarg's flags as the alignment alone (the 0x40 bit is a
	// memory index since multi-memory, and over 0x7f is malformed).
	check20(t, "align huge 2.0", oneFunc(vt(i32), noLocals, 0x41, 0, 0x28, 0x80, 0x80, 0x80, 0x80, 0x08, 0), "alignment must not be larger than natural")
}

func v128Const() []byte {
	return append([]byte{0xfd, 0x0c}, make([]byte, 16)...)
}

func v128Body(op, lane byte) []byte {
	return append(v128Const(), 0xfd, op, lane)
}

func shuffleBody(lane byte) []byte {
	b := append(v128Const(), v128Const()...)
	b = append(b, 0xfd, 0x0d)
	for i := 0; i < 16; i++ {
		b = append(b, byte(i))
	}
	b[len(b)-1] = lane
	return append(b, 0x1a)
}

func TestErrorLocation(t *testing.T) {
	m := oneFunc(vt(i32), nil, 0x41, 1, 0x42, 2, 0x6a)
	m.Imports = []wasm.Import{{Module: "m", Name: "f", Kind: wasm.ExternFunc, Func: 2}}
	m.NumImportedFuncs = 1
	err := validate.Module(m)
	var we *wasm.Error
	if !errors.As(err, &we) {
		t.Fatalf("got %v", err)
	}
	// The i32.add is the fifth byte of the body, which starts at 100.
	if we.Offset != 104 || we.Func != 1 || we.Kind != wasm.Invalid {
		t.Errorf("got offset %d func %d kind %v (%v)", we.Offset, we.Func, we.Kind, err)
	}
}

func TestDeclaredRefs(t *testing.T) {
	body := []byte{0xd2, 0, 0x1a}
	m := oneFunc(nil, nil, body...)
	m.Exports = []wasm.Export{{Name: "f", Kind: wasm.ExternFunc}}
	check(t, "export declares", m, "")

	m = oneFunc(nil, nil, body...)
	m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemDeclarative, Type: fref, Items: []wasm.ConstExpr{expr(wasm.Instr{Op: wasm.OpRefFunc})}}}
	check(t, "declarative elem declares", m, "")

	m = oneFunc(nil, nil, body...)
	m.Globals = append(m.Globals, wasm.Global{Type: wasm.GlobalType{Val: fref}, Init: expr(wasm.Instr{Op: wasm.OpRefFunc})})
	check(t, "global declares", m, "")
}

func TestModuleRules(t *testing.T) {
	mutImport := []wasm.Import{{Module: "m", Name: "g", Kind: wasm.ExternGlobal, Global: wasm.GlobalType{Val: i32, Mutable: true}}}
	constImport := []wasm.Import{{Module: "m", Name: "g", Kind: wasm.ExternGlobal, Global: wasm.GlobalType{Val: i32}}}
	tests := []struct {
		name  string
		setup func(m *wasm.Module)
		want  string
	}{
		{"base", func(m *wasm.Module) {}, ""},
		{"global.get defined global (2.0)", func(m *wasm.Module) {
			m.Globals[1].Init = expr(wasm.Instr{Op: wasm.OpGlobalGet, X: 0})
		}, "unknown global"},
		{"global.get earlier global", func(m *wasm.Module) {
			m.Globals[1].Init = expr(wasm.Instr{Op: wasm.OpGlobalGet, X: 0})
		}, ""},
		{"global.get later global", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpGlobalGet, X: 1})
		}, "unknown global"},
		{"global.get imported const", func(m *wasm.Module) {
			m.Imports = constImport
			m.NumImportedGlobals = 1
			m.Globals[1].Init = expr(wasm.Instr{Op: wasm.OpGlobalGet, X: 0})
		}, ""},
		{"global.get imported mutable", func(m *wasm.Module) {
			m.Imports = mutImport
			m.NumImportedGlobals = 1
			m.Globals[1].Init = expr(wasm.Instr{Op: wasm.OpGlobalGet, X: 0})
		}, "constant expression required"},
		{"extended constant (2.0)", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Add})
		}, "constant expression required"},
		{"extended constant", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Add})
		}, ""},
		{"non-constant init", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32DivS})
		}, "constant expression required"},
		{"extended constant types", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI64Const}, wasm.Instr{Op: wasm.OpI32Add})
		}, "type mismatch"},
		{"two constants", func(m *wasm.Module) {
			m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI32Const}, wasm.Instr{Op: wasm.OpI32Const})
		}, "type mismatch"},
		{"empty init", func(m *wasm.Module) { m.Globals[0].Init = expr() }, "type mismatch"},
		{"init type", func(m *wasm.Module) { m.Globals[0].Init = expr(wasm.Instr{Op: wasm.OpI64Const}) }, "type mismatch"},
		{"memory too big", func(m *wasm.Module) { m.Memories[0].Limits.Min = 65537 }, "memory size must be at most 65536 pages (4GiB)"},
		{"memory max too big", func(m *wasm.Module) {
			m.Memories[0].Limits = wasm.Limits{Min: 0, Max: 65537, HasMax: true}
		}, "memory size must be at most 65536 pages (4GiB)"},
		{"memory min over max", func(m *wasm.Module) {
			m.Memories[0].Limits = wasm.Limits{Min: 2, Max: 1, HasMax: true}
		}, "size minimum must not be greater than maximum"},
		{"table min over max", func(m *wasm.Module) {
			m.Tables[0].Type.Limits = wasm.Limits{Min: 2, Max: 1, HasMax: true}
		}, "size minimum must not be greater than maximum"},
		{"multiple memories (2.0)", func(m *wasm.Module) { m.Memories = append(m.Memories, m.Memories[0]) }, "multiple memories"},
		{"multiple memories", func(m *wasm.Module) { m.Memories = append(m.Memories, m.Memories[0]) }, ""},
		{"duplicate export", func(m *wasm.Module) {
			m.Exports = []wasm.Export{{Name: "a", Kind: wasm.ExternFunc}, {Name: "a", Kind: wasm.ExternMemory}}
		}, "duplicate export name"},
		{"export unknown global", func(m *wasm.Module) {
			m.Exports = []wasm.Export{{Name: "a", Kind: wasm.ExternGlobal, Index: 2}}
		}, "unknown global 2"},
		{"start ok", func(m *wasm.Module) { m.HasStart = true }, ""},
		{"start type", func(m *wasm.Module) {
			m.Funcs[0] = 1
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x0b}
			m.HasStart = true
		}, "start function"},
		{"start unknown", func(m *wasm.Module) { m.HasStart = true; m.Start = 3 }, "unknown function"},
		{"func unknown type", func(m *wasm.Module) { m.Funcs[0] = 7 }, "unknown type"},
		{"elem type vs table", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemActive, Type: xref, Table: 0, Offset: i32Const(0)}}
		}, "type mismatch"},
		{"elem unknown table", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemActive, Type: fref, Table: 5, Offset: i32Const(0)}}
		}, "unknown table"},
		{"elem item type", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemPassive, Type: xref, Items: []wasm.ConstExpr{expr(wasm.Instr{Op: wasm.OpRefFunc})}}}
		}, "type mismatch"},
		{"elem unknown function", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemPassive, Type: fref, Items: []wasm.ConstExpr{expr(wasm.Instr{Op: wasm.OpRefFunc, X: 1})}}}
		}, "unknown function"},
		{"data unknown memory", func(m *wasm.Module) {
			m.Memories = nil
			m.Datas = []wasm.DataSegment{{Mode: wasm.DataActive, Offset: i32Const(0)}}
		}, "unknown memory 0"},
		{"data offset type", func(m *wasm.Module) {
			m.Datas = []wasm.DataSegment{{Mode: wasm.DataActive, Offset: expr(wasm.Instr{Op: wasm.OpI64Const})}}
		}, "type mismatch"},
		{"memory.init", func(m *wasm.Module) {
			m.Datas = []wasm.DataSegment{{Mode: wasm.DataPassive}}
			m.HasDataCount, m.DataCount = true, 1
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b}
		}, ""},
		{"memory.init unknown data", func(m *wasm.Module) {
			m.HasDataCount = true
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b}
		}, "unknown data segment"},
		{"memory.init no memory", func(m *wasm.Module) {
			m.Memories = nil
			m.Datas = []wasm.DataSegment{{Mode: wasm.DataPassive}}
			m.HasDataCount, m.DataCount = true, 1
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b}
		}, "unknown memory 0"},
		{"table.init type", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemPassive, Type: xref}}
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 12, 0, 0, 0x0b}
		}, "type mismatch"},
		{"table.init ok", func(m *wasm.Module) {
			m.Elems = []wasm.ElemSegment{{Mode: wasm.ElemPassive, Type: xref}}
			m.Code[0].Body = []byte{0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 12, 0, 1, 0x0b}
		}, ""},
	}
	for _, tc := range tests {
		m := oneFunc(nil, nil)
		tc.setup(m)
		if strings.HasSuffix(tc.name, "(2.0)") {
			check20(t, tc.name, m, tc.want)
		} else {
			check(t, tc.name, m, tc.want)
		}
	}
}

// TestManyLocals covers the binary-search path for functions with more
// locals than the flat table holds.
func TestManyLocals(t *testing.T) {
	locals := []wasm.LocalEntry{{Count: 100000, Type: i32}, {Count: 3, Type: i64}, {Count: 1 << 30, Type: f32}}
	get := func(x uint32) []byte { return uleb([]byte{0x20}, x) }
	check(t, "i64 local", oneFunc(vt(i64), locals, get(100001)...), "")
	check(t, "f32 local", oneFunc(vt(f32), locals, get(100003)...), "")
	check(t, "i32 local", oneFunc(vt(i32), locals, get(99999)...), "")
	check(t, "unknown local", oneFunc(vt(i32), locals, get(100003+1<<30)...), "unknown local")
}

// TestOperandLimit checks that a body cannot make the operand stack, and so
// the validator's memory, grow past maxOperands.
func TestOperandLimit(t *testing.T) {
	results := make([]wasm.ValType, 1000)
	for i := range results {
		results[i] = i32
	}
	body := make([]byte, 0, 2*1100+1)
	for range 1100 {
		body = append(body, 0x10, 0) // call 0
	}
	m := &wasm.Module{
		Types: wasm.PlainTypes(ft(nil, results)),
		Funcs: []uint32{0},
		Code:  []wasm.Code{{Body: append(body, 0x0b)}},
	}
	check(t, "deep stack", m, "operand stack deeper than")
}
