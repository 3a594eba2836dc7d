package wasm

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// A constant expression reads back exactly the instructions it was made
// from, whether it holds them inline or not, and the common ones (one
// numeric const, ref.null, ref.func or global.get) are held inline.
func TestConstExprRoundTrip(t *testing.T) {
	cases := []struct {
		name   string
		instrs []Instr
		inline bool
	}{
		{"empty", nil, false},
		{"i32.const", []Instr{{Op: OpI32Const, Imm: 0xffff_fffb, Offset: 7}}, true},
		{"i64.const", []Instr{{Op: OpI64Const, Imm: 1 << 63, Offset: 7}}, true},
		{"f32.const", []Instr{{Op: OpF32Const, Imm: 0x7fc0_0000, Offset: 7}}, true},
		{"f64.const", []Instr{{Op: OpF64Const, Imm: 0x7ff8_0000_0000_0001, Offset: 7}}, true},
		{"v128.const low", []Instr{{Op: OpV128Const, Imm: 5, Offset: 7}}, true},
		{"v128.const high", []Instr{{Op: OpV128Const, Imm: 5, Hi: 9, Offset: 7}}, true},
		{"ref.null", []Instr{{Op: OpRefNull, Type: RefType(true, HeapType(3)), Offset: 7}}, true},
		{"ref.func", []Instr{{Op: OpRefFunc, X: 0xffff_fffe, Offset: 7}}, true},
		{"global.get", []Instr{{Op: OpGlobalGet, X: 12, Offset: 7}}, true},
		// What would not survive inline stays as instructions.
		{"offset elsewhere", []Instr{{Op: OpI32Const, Imm: 1, Offset: 8}}, false},
		{"stray immediate", []Instr{{Op: OpRefFunc, X: 1, Imm: 2, Offset: 7}}, false},
		{"list immediate", []Instr{{Op: OpI32Const, Types: []ValType{I32}, Offset: 7}}, false},
		{"not inline op", []Instr{{Op: OpUnreachable, Offset: 7}}, false},
		{"extended", []Instr{{Op: OpI32Const, Imm: 1, Offset: 7}, {Op: OpI32Const, Imm: 2, Offset: 9}, {Op: OpI32Add, Offset: 11}}, false},
	}
	for _, c := range cases {
		e := NewConstExpr(c.instrs, 7)
		if e.Inline() != c.inline {
			t.Errorf("%s: Inline() = %v, want %v", c.name, e.Inline(), c.inline)
		}
		if e.Offset != 7 || e.Len() != len(c.instrs) {
			t.Errorf("%s: Offset %d Len %d, want 7 and %d", c.name, e.Offset, e.Len(), len(c.instrs))
			continue
		}
		for i := range c.instrs {
			if got := e.At(i); !reflect.DeepEqual(got, c.instrs[i]) {
				t.Errorf("%s: At(%d) = %+v, want %+v", c.name, i, got, c.instrs[i])
			}
		}
		if again := NewConstExpr(slices.Clone(c.instrs), 7); fmt.Sprint(again) != fmt.Sprint(e) {
			t.Errorf("%s: equal expressions print %v and %v", c.name, again, e)
		}
		if got := e.Instrs(); len(c.instrs) > 0 && !reflect.DeepEqual(got, c.instrs) {
			t.Errorf("%s: Instrs() = %+v, want %+v", c.name, got, c.instrs)
		}
	}
}

// The size the decoder's memory bound relies on (docs/compiler.md).
func TestConstExprSize(t *testing.T) {
	if n := reflect.TypeFor[ConstExpr]().Size(); n != 24 {
		t.Errorf("ConstExpr is %d bytes, want 24", n)
	}
}

// Items of a segment of indices read back as the expressions they stand
// for, held inline.
func TestElemItemExprs(t *testing.T) {
	s := ElemSegment{Type: FuncRef, Funcs: []uint32{4, NullFuncItem}, FuncOffsets: []uint32{20, 22}}
	items := s.ItemExprs()
	want := []Instr{{Op: OpRefFunc, X: 4, Offset: 20}, {Op: OpRefNull, Type: FuncRef, Offset: 22}}
	for i, it := range items {
		if !it.Inline() || it.Len() != 1 || !reflect.DeepEqual(it.At(0), want[i]) || int(it.Offset) != want[i].Offset {
			t.Errorf("item %d: %+v (inline %v), want %+v", i, it.At(0), it.Inline(), want[i])
		}
	}
}
