package wasm

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// A constant expression reads back exactly the instructions it was made
// from, however it holds them: the common ones (one numeric const,
// ref.null, ref.func or global.get, or a GC constructor without operands)
// inline, the other constant ones as
// compact instructions, and only those with an immediate a constant
// instruction never has as Instrs in full.
func TestConstExprRoundTrip(t *testing.T) {
	const (
		inline = "inline"
		packed = "compact"
		full   = "full"
		none   = "none"
	)
	cases := []struct {
		name   string
		instrs []Instr
		held   string
	}{
		{"empty", nil, none},
		{"i32.const", []Instr{{Op: OpI32Const, Imm: 0xffff_fffb, Offset: 7}}, inline},
		{"i64.const", []Instr{{Op: OpI64Const, Imm: 1 << 63, Offset: 7}}, inline},
		{"f32.const", []Instr{{Op: OpF32Const, Imm: 0x7fc0_0000, Offset: 7}}, inline},
		{"f64.const", []Instr{{Op: OpF64Const, Imm: 0x7ff8_0000_0000_0001, Offset: 7}}, inline},
		{"v128.const low", []Instr{{Op: OpV128Const, Imm: 5, Offset: 7}}, inline},
		{"v128.const high", []Instr{{Op: OpV128Const, Imm: 5, Hi: 9, Offset: 7}}, packed},
		{"ref.null", []Instr{{Op: OpRefNull, Type: RefType(true, HeapType(3)), Offset: 7}}, inline},
		{"ref.func", []Instr{{Op: OpRefFunc, X: 0xffff_fffe, Offset: 7}}, inline},
		{"global.get", []Instr{{Op: OpGlobalGet, X: 12, Offset: 7}}, inline},
		// What would not survive inline is held compactly...
		{"offset elsewhere", []Instr{{Op: OpI32Const, Imm: 1, Offset: 8}}, packed},
		{"stray immediate", []Instr{{Op: OpRefFunc, X: 1, Imm: 2, Offset: 7}}, packed},
		{"not inline op", []Instr{{Op: OpUnreachable, Offset: 7}}, packed},
		{"extended", []Instr{{Op: OpI32Const, Imm: 1, Offset: 7}, {Op: OpI32Const, Imm: 2, Offset: 9}, {Op: OpI32Add, Offset: 11}}, packed},
		{"struct.new_default", []Instr{{Op: OpStructNewDefault, X: 3, Offset: 7}}, inline},
		{"struct.new", []Instr{{Op: OpStructNew, X: 0xffff_fffe, Offset: 7}}, inline},
		{"array.new_fixed", []Instr{{Op: OpArrayNewFixed, X: 0xffff_fffe, Y: 0xffff_fffd, Offset: 7}}, inline},
		{"struct.new_default with a Y", []Instr{{Op: OpStructNewDefault, X: 3, Y: 1, Offset: 7}}, packed},
		{"array.new_fixed of one", []Instr{{Op: OpRefNull, Type: RefType(true, HeapType(3)), Offset: 7}, {Op: OpArrayNewFixed, X: 4, Y: 1, Offset: 9}}, packed},
		{"ref.i31", []Instr{{Op: OpI32Const, Imm: 0xffff_ffff, Offset: 7}, {Op: OpRefI31, Offset: 9}}, packed},
		{"v128 in a struct", []Instr{{Op: OpV128Const, Imm: 1, Hi: 2, Offset: 7}, {Op: OpV128Const, Imm: 3, Offset: 25}, {Op: OpStructNew, X: 5, Offset: 43}}, packed},
		// ...unless it carries what no constant instruction has.
		{"list immediate", []Instr{{Op: OpI32Const, Types: []ValType{I32}, Offset: 7}}, full},
		{"memarg", []Instr{{Op: OpI32Const, Imm: 1, Offset: 7}, {Op: OpI32Load, Mem: 1, Offset: 9}}, full},
		{"block type", []Instr{{Op: OpBlock, Block: BlockType{Kind: BlockValue, Type: I32}, Offset: 7}}, full},
		{"ref.null with an Imm", []Instr{{Op: OpRefNull, Type: FuncRef, Imm: 1, Offset: 7}}, full},
		{"v128.const with an X", []Instr{{Op: OpV128Const, Imm: 1, Hi: 2, X: 3, Offset: 7}}, full},
		{"offset past int32", []Instr{{Op: OpI32Const, Offset: 1 << 40}, {Op: OpRefI31, Offset: 7}}, full},
	}
	var arena ConstArena
	for _, c := range cases {
		for _, e := range []ConstExpr{NewConstExpr(c.instrs, 7), arena.Add(c.instrs, 7)} {
			held := none
			switch {
			case e.Inline():
				held = inline
			case e.code != nil && e.code.full != nil:
				held = full
			case e.code != nil:
				held = packed
			}
			if held != c.held {
				t.Errorf("%s: held %s, want %s", c.name, held, c.held)
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
}

// An arena's expressions share chunks and keep their own instructions:
// many expressions, some with v128 high halves, read back after all are
// made; the instructions the caller passed are not retained.
func TestConstArenaShares(t *testing.T) {
	var arena ConstArena
	const n = 3 * constChunk
	exprs := make([]ConstExpr, n)
	buf := make([]Instr, 0, 3)
	want := func(i int) []Instr {
		return []Instr{
			{Op: OpV128Const, Imm: uint64(i), Hi: uint64(i % 3), Offset: 10 * i},
			{Op: OpI32Const, Imm: uint64(i), Offset: 10*i + 18},
			{Op: OpStructNew, X: uint32(i), Offset: 10*i + 20},
		}[:1+i%3]
	}
	for i := range exprs {
		buf = append(buf[:0], want(i)...)
		exprs[i] = arena.Add(buf, 10*i)
		buf[0].Imm = ^uint64(0) // the arena copied them
	}
	chunks, stored := map[*constCode]bool{}, 0
	for i := range exprs {
		if got := exprs[i].Instrs(); !reflect.DeepEqual(got, want(i)) && !(exprs[i].Inline() && reflect.DeepEqual(got, want(i)[:1])) {
			t.Fatalf("expression %d: %+v, want %+v", i, got, want(i))
		}
		if c := exprs[i].code; c != nil {
			chunks[c] = true
			stored += exprs[i].Len()
		}
	}
	// a chunk's tail goes unused when the next expression does not fit
	if max := stored/(constChunk-2) + 1; len(chunks) > max {
		t.Errorf("%d instructions in %d chunks of %d, want at most %d", stored, len(chunks), constChunk, max)
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
