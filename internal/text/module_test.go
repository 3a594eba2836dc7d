package text

import (
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

func mustParse(t *testing.T, src string) *wasm.Module {
	t.Helper()
	m, err := ParseModule([]byte(src))
	if err != nil {
		t.Fatalf("%s\n%v", src, err)
	}
	return m
}

func hexBody(m *wasm.Module, i int) string {
	var b strings.Builder
	for j, c := range m.Code[i].Body {
		if j > 0 {
			b.WriteByte(' ')
		}
		const digits = "0123456789abcdef"
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	return b.String()
}

func TestBodies(t *testing.T) {
	cases := []struct{ src, body string }{
		{`(func (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1)))`, "20 00 41 01 6a 0b"},
		{`(func (param i32)) (func (param i32) local.get 0 drop)`, "20 00 1a 0b"},
		// Labels: by name (innermost first) and by depth; end/else names repeated.
		{`(func (block $a (block $b (br $a) (br $b) (br 1))))`, "02 40 02 40 0c 01 0c 00 0c 01 0b 0b 0b"},
		{`(func block $a loop $a br $a end $a end $a)`, "02 40 03 40 0c 00 0b 0b 0b"},
		{`(func (result i32) (if (result i32) (i32.const 1) (i32.eqz) (then (i32.const 2)) (else (i32.const 3))))`,
			"41 01 45 04 7f 41 02 05 41 03 0b 0b"},
		{`(func i32.const 0 if $l nop else $l nop end $l)`, "41 00 04 40 01 05 01 0b 0b"},
		// An empty else is dropped, as wat2wasm does.
		{`(func (if (i32.const 0) (then nop) (else)))`, "41 00 04 40 01 0b 0b"},
		{`(func (br_table 0 0 0 (i32.const 0)))`, "41 00 0e 02 00 00 00 0b"},
		{`(func (i32.load offset=0x10 align=1 (i32.const 0)) drop)`, "41 00 28 00 10 1a 0b"},
		{`(func (i64.store32 (i32.const 0) (i64.const -1)))`, "41 00 42 7f 3e 02 00 0b"},
		{`(func (v128.load8_lane 15 (i32.const 0) (v128.const i64x2 0 0)) drop)`,
			"41 00 fd 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 fd 54 00 00 0f 1a 0b"},
		{`(func (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)) drop)`, "41 01 41 02 41 00 1c 01 7f 1a 0b"},
		{`(func (ref.null extern) drop (ref.null func) drop)`, "d0 6f 1a d0 70 1a 0b"},
		{`(func (v128.const i8x16 -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 255) drop)`,
			"fd 0c ff 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ff 1a 0b"},
		{`(func (v128.const f32x4 1 -0 nan inf) drop)`,
			"fd 0c 00 00 80 3f 00 00 00 80 00 00 c0 7f 00 00 80 7f 1a 0b"},
		{`(func (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)) drop)`,
			"fd 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 fd 0c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 fd 0d 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 1f 1a 0b"},
		{`(table 1 funcref) (table $t 1 externref) (func (table.size $t) drop (table.size) drop)`, "fc 10 01 1a fc 10 00 1a 0b"},
		{`(table $t 1 funcref) (elem $e func) (func (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 0)) (table.init 0 (i32.const 0) (i32.const 0) (i32.const 0)))`,
			"41 00 41 00 41 00 fc 0c 00 00 41 00 41 00 41 00 fc 0c 00 00 0b"},
		{`(type $t (func (param i32))) (table 1 funcref) (func (call_indirect (type $t) (i32.const 0) (i32.const 0)))`,
			"41 00 41 00 11 00 00 0b"},
	}
	for _, c := range cases {
		m := mustParse(t, c.src)
		if got := hexBody(m, len(m.Code)-1); got != c.body {
			t.Errorf("%s\n got %s\nwant %s", c.src, got, c.body)
		}
	}
}

func TestImplicitTypes(t *testing.T) {
	m := mustParse(t, `(module
		(import "m" "f" (func (param i64)))
		(func $f (result f64) (f64.const 0))
		(func $g (param i32))
		(func $h (result f64) (f64.const 1))
		(type $t (func (param i32)))
		(func (block (param i32) (result i32 i32) (unreachable)) (call_indirect (param i64))))`)
	// The explicit type comes first; implicit ones follow in order of use,
	// reusing any identical type.
	want := []string{"(i32) -> ()", "(i64) -> ()", "() -> (f64)", "() -> ()", "(i32) -> (i32, i32)"}
	if len(m.Types) != len(want) {
		t.Fatalf("types %v", m.Types)
	}
	for i := range want {
		if m.Types[i].Func.String() != want[i] {
			t.Errorf("type %d = %s, want %s", i, m.Types[i].Func.String(), want[i])
		}
	}
	if m.Imports[0].Func != 1 || m.Funcs[0] != 2 || m.Funcs[1] != 0 || m.Funcs[3] != 3 {
		t.Errorf("imports %+v funcs %v", m.Imports, m.Funcs)
	}
}

func TestInlineImportsExportsAndSegments(t *testing.T) {
	m := mustParse(t, `(module
		(func $imp (export "a") (import "m" "n") (param i32))
		(global $g (import "m" "g") i32)
		(memory (export "mem") (data "hello" "\ff"))
		(table $t (export "t") funcref (elem $f $f))
		(func $f)
		(elem (i32.const 1) $f)
		(elem (table $t) (offset (global.get $g)) funcref (ref.null func) (item ref.func $f))
		(elem declare func $f)
		(elem $p externref)
		(data (memory 0) (i32.const 8) "x")
		(data $d "passive")
		(start $f))`)
	if len(m.Imports) != 2 || m.NumImportedFuncs != 1 || m.NumImportedGlobals != 1 {
		t.Fatalf("imports %+v", m.Imports)
	}
	if len(m.Exports) != 3 || m.Exports[0] != (wasm.Export{Name: "a", Kind: wasm.ExternFunc, Index: 0}) {
		t.Errorf("exports %+v", m.Exports)
	}
	if m.Memories[0].Limits != (wasm.Limits{Min: 1, Max: 1, HasMax: true}) {
		t.Errorf("memory %+v", m.Memories)
	}
	if m.Tables[0].Type.Limits != (wasm.Limits{Min: 2, Max: 2, HasMax: true}) {
		t.Errorf("table %+v", m.Tables)
	}
	if len(m.Elems) != 5 || len(m.Datas) != 3 {
		t.Fatalf("%d elems, %d datas", len(m.Elems), len(m.Datas))
	}
	if e := m.Elems[0]; e.Mode != wasm.ElemActive || len(e.Items) != 2 || e.Items[1].At(0).X != 1 {
		t.Errorf("inline elem %+v", e)
	}
	if e := m.Elems[2]; e.Offset.At(0).Op != wasm.OpGlobalGet || e.Items[0].At(0).Op != wasm.OpRefNull || e.Items[1].At(0).X != 1 {
		t.Errorf("elem expressions %+v", e)
	}
	if m.Elems[3].Mode != wasm.ElemDeclarative || m.Elems[4].Mode != wasm.ElemPassive || m.Elems[4].Type != wasm.ExternRef {
		t.Errorf("elem modes %+v %+v", m.Elems[3], m.Elems[4])
	}
	if string(m.Datas[0].Bytes) != "hello\xff" || m.Datas[1].Offset.At(0).Imm != 8 || m.Datas[2].Mode != wasm.DataPassive {
		t.Errorf("datas %+v", m.Datas)
	}
	if !m.HasStart || m.Start != 1 {
		t.Errorf("start %v %d", m.HasStart, m.Start)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"(func\n  (i32.bogus))", 2, 4, "unknown operator"},
		{"(func (i32.const 0x1_0000_0000))", 1, 18, "constant out of range"},
		{"(func (i32.load align=3 (i32.const 0)))", 1, 17, "alignment must be a power of two"},
		{"(func) (import \"m\" \"f\" (func))", 1, 8, "import after function"},
		{"(memory 1) (func (import \"m\" \"f\"))", 1, 12, "import after memory"},
		{"(func $f) (func $f)", 1, 17, "duplicate func"},
		{"(func (param $x i32) (local $x i32))", 1, 29, "duplicate local"},
		{"(func (br $nope))", 1, 11, "unknown label"},
		{"(func block $a end $b)", 1, 20, "mismatching label"},
		{"(func (local.get $y))", 1, 18, "unknown local"},
		{"(type (func)) (func (type 0) (param i32))", 1, 21, "inline function type"},
		{"(func (v128.const i32x4 1 2 3))", 1, 8, "wrong number of lane literals"},
		{"(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))", 1, 29, "malformed lane index"},
		{"(start 0) (start 0) (func)", 1, 11, "multiple start sections"},
		{"(data\"a\")", 1, 6, "separated"},
		{"(func (; unclosed", 1, 7, "unclosed comment"},
		{"(func", 1, 1, "unclosed parenthesis"},
		{"(func))", 1, 7, "unexpected token"},
		{`(export "\80" (func 0))`, 1, 9, "malformed UTF-8"},
		{"(func (f32.const 0x1p128))", 1, 18, "constant out of range"},
		{"(func (nop) end)", 1, 13, "unexpected token"},
	}
	for _, c := range cases {
		_, err := ParseModule([]byte(c.src))
		e, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: got %v, want a *text.Error", c.src, err)
			continue
		}
		if e.Line != c.line || e.Column != c.col || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: got %v, want %d:%d: ...%s...", c.src, e, c.line, c.col, c.msg)
		}
	}
}

func TestNestingIsBounded(t *testing.T) {
	deep := strings.Repeat("(block ", 100000) + strings.Repeat(")", 100000)
	if _, err := ParseModule([]byte("(func " + deep + ")")); err == nil {
		t.Error("absurd nesting accepted")
	}
	plain := strings.Repeat("block ", 100000) + strings.Repeat("end ", 100000)
	if _, err := ParseModule([]byte("(func " + plain + ")")); err == nil {
		t.Error("absurd plain nesting accepted")
	}
	ok := strings.Repeat("(block ", 1000) + strings.Repeat(")", 1000)
	mustParse(t, "(func "+ok+")")
}

func TestNames(t *testing.T) {
	m := mustParse(t, `(module $mod
		(import "m" "f" (func $imp))
		(func $g (param $a i32) (local $b i64) (local i32))
		(func))`)
	if m.Names.Module != "mod" || m.Names.Funcs[0] != "imp" || m.Names.Funcs[1] != "g" || len(m.Names.Funcs) != 2 {
		t.Errorf("names %+v", m.Names)
	}
	if l := m.Names.Locals[1]; l[0] != "a" || l[1] != "b" || len(l) != 2 {
		t.Errorf("local names %+v", m.Names.Locals)
	}
}
