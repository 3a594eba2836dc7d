package binary

import (
	"errors"
	"io"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

func TestExprReader(t *testing.T) {
	code := []byte{
		0x02, 0x40, // block
		0x03, 0x7f, // loop (result i32)
		0x04, 0x05, // if (type 5)
		0x0e, 0x02, 0x01, 0x02, 0x00, // br_table 1 2 default 0
		0x1c, 0x01, 0x7e, // select (result i64)
		0x41, 0x7f, // i32.const -1
		0x42, 0x80, 0x7f, // i64.const -128
		0x43, 0x00, 0x00, 0xc0, 0x3f, // f32.const 1.5
		0x28, 0x02, 0x90, 0x4e, // i32.load align=2 offset=10000
		0x40, 0x00, // memory.grow
		0xd0, 0x6f, // ref.null extern
		0x11, 0x03, 0x01, // call_indirect type 3 table 1
		0xfc, 0x08, 0x07, 0x00, // memory.init 7
		0xfc, 0x0e, 0x01, 0x02, // table.copy 1 2
		0xfd, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // v128.const
		0xfd, 0x54, 0x00, 0x08, 0x03, // v128.load8_lane align 0 offset 8 lane 3
		0x0b,
	}
	const base = 100
	r := NewExprReader(code, base)
	var in wasm.Instr
	next := func(op wasm.Opcode) *wasm.Instr {
		t.Helper()
		if err := r.Next(&in); err != nil {
			t.Fatalf("want %s: %v", op, err)
		}
		if in.Op != op {
			t.Fatalf("got %s, want %s", in.Op, op)
		}
		return &in
	}
	if i := next(wasm.OpBlock); i.Block.Kind != wasm.BlockEmpty || i.Offset != base {
		t.Errorf("block %+v", i)
	}
	if i := next(wasm.OpLoop); i.Block != (wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.I32}) {
		t.Errorf("loop %+v", i.Block)
	}
	if i := next(wasm.OpIf); i.Block != (wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: 5}) {
		t.Errorf("if %+v", i.Block)
	}
	if i := next(wasm.OpBrTable); len(i.Targets) != 3 || i.Targets[0] != 1 || i.Targets[2] != 0 {
		t.Errorf("br_table %v", i.Targets)
	}
	if i := next(wasm.OpSelectT); len(i.Types) != 1 || i.Types[0] != wasm.I64 {
		t.Errorf("select %v", i.Types)
	}
	if i := next(wasm.OpI32Const); i.Imm != 0xffffffff {
		t.Errorf("i32.const %x", i.Imm)
	}
	if i := next(wasm.OpI64Const); int64(i.Imm) != -128 {
		t.Errorf("i64.const %d", int64(i.Imm))
	}
	if i := next(wasm.OpF32Const); i.Imm != 0x3fc00000 {
		t.Errorf("f32.const %x", i.Imm)
	}
	if i := next(wasm.OpI32Load); i.X != 2 || i.Imm != 10000 {
		t.Errorf("load %+v", i)
	}
	next(wasm.OpMemoryGrow)
	if i := next(wasm.OpRefNull); i.Type != wasm.ExternRef {
		t.Errorf("ref.null %v", i.Type)
	}
	if i := next(wasm.OpCallIndirect); i.X != 3 || i.Y != 1 {
		t.Errorf("call_indirect %+v", i)
	}
	if i := next(wasm.OpMemoryInit); i.X != 7 {
		t.Errorf("memory.init %+v", i)
	}
	if i := next(wasm.OpTableCopy); i.X != 1 || i.Y != 2 {
		t.Errorf("table.copy %+v", i)
	}
	if i := next(wasm.OpV128Const); i.Imm != 0x0807060504030201 || i.Hi != 0x100f0e0d0c0b0a09 {
		t.Errorf("v128.const %x %x", i.Imm, i.Hi)
	}
	if i := next(wasm.OpV128Load8Lane); i.X != 0 || i.Imm != 8 || i.Y != 3 {
		t.Errorf("load8_lane %+v", i)
	}
	next(wasm.OpEnd)
	if err := r.Next(&in); err != io.EOF {
		t.Errorf("at end: %v", err)
	}
	if r.Offset() != base+len(code) {
		t.Errorf("offset %d", r.Offset())
	}

	// Steady state allocates nothing.
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(code, base)
		for r.Next(&in) == nil {
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pass", allocs)
	}
}

func TestExprReaderErrors(t *testing.T) {
	cases := []struct {
		code []byte
		msg  string
	}{
		{[]byte{0x06}, "illegal opcode"},
		{[]byte{0xfc, 0x80, 0x02}, "illegal opcode"},
		{[]byte{0xfd, 0x9a, 0x01}, "illegal opcode"},
		{[]byte{0x41}, "unexpected end"},
		{[]byte{0x41, 0x80, 0x80, 0x80, 0x80, 0x08}, "integer too large"},
		{[]byte{0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, "integer representation too long"},
		{[]byte{0x02, 0x50}, "malformed block type"},
		{[]byte{0xd0, 0x7f}, "malformed heap type"},
		{[]byte{0x1c, 0x01, 0x40}, "malformed value type"},
		{[]byte{0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00}, "unexpected end"},
		{[]byte{0xfd, 0x0c, 1, 2, 3}, "unexpected end"},
		{[]byte{0xfd, 0x80, 0x04}, "illegal opcode"},                         // past relaxed SIMD
		{[]byte{0xfb, 0x1f}, "illegal opcode"},                               // past the GC opcodes
		{[]byte{0x28, 0x80, 0x01, 0}, "malformed memop flags"},               // memarg flags over 0x7f
		{[]byte{0x1f, 0x40, 1, 4, 0}, "malformed catch clause"},              // try_table catch kind 4
		{[]byte{0xfb, 0x18, 4, 0, 0x70, 0x70}, "malformed br_on_cast flags"}, // flags bit 2
	}
	for _, c := range cases {
		var in wasm.Instr
		err := NewExprReader(c.code, 0).Next(&in)
		var we *wasm.Error
		if !errors.As(err, &we) || we.Kind != wasm.Malformed || !contains(we.Msg, c.msg) {
			t.Errorf("% x: got %v, want %q", c.code, err, c.msg)
		}
	}
}

// TestExprReader20 checks the encodings whose reading changed with 3.0: a
// reader with every 3.0 feature off reads them as 2.0 did.
func TestExprReader20(t *testing.T) {
	cases := []struct {
		code []byte
		msg  string // "" for no error under 3.0 too
	}{
		{[]byte{0x3f, 0x80, 0x00}, "zero byte expected"},       // memory.size: a memory index since multi-memory
		{[]byte{0xfc, 0x0a, 0x00, 0x01}, "zero byte expected"}, // memory.copy
		{[]byte{0xd0, 0x7f}, "malformed heap type"},
		{[]byte{0x12, 0x00}, "illegal opcode"},       // return_call
		{[]byte{0xfd, 0x80, 0x02}, "illegal opcode"}, // relaxed SIMD
		{[]byte{0x1f, 0x40, 0}, "illegal opcode"},    // try_table
		{[]byte{0xd0, 0x63, 0x00}, "malformed heap type"},
	}
	for _, c := range cases {
		var in wasm.Instr
		r := &ExprReader{}
		r.DisableFeatures(wasm.AllFeatures)
		r.Reset(c.code, 0)
		err := r.Next(&in)
		var we *wasm.Error
		if !errors.As(err, &we) || we.Kind != wasm.Malformed || !contains(we.Msg, c.msg) {
			t.Errorf("2.0: % x: got %v, want %q", c.code, err, c.msg)
		}
	}
	// The same bytes under 3.0: memory indices, new opcodes.
	for _, code := range [][]byte{{0x3f, 0x80, 0x00}, {0xfc, 0x0a, 0x00, 0x01}, {0x12, 0x00}, {0xfd, 0x80, 0x02}} {
		var in wasm.Instr
		if err := NewExprReader(code, 0).Next(&in); err != nil {
			t.Errorf("3.0: % x: %v", code, err)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
