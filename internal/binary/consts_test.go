package binary

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// Constant expressions share chunks of instructions (wasm.ConstArena, 512
// instructions a chunk): each keeps its own instructions across chunk
// boundaries, however many there are, and one that would straddle a
// boundary goes whole into the next chunk.
func TestConstExprChunks(t *testing.T) {
	const chunk = 512
	const nData, nGlobals = 3 * chunk, 2 * chunk / 3
	// Globals: i32.const g, i32.const 1, i32.add (extended constants), so
	// that some expression straddles a chunk boundary.
	globals := appendU32(nil, nGlobals)
	for g := range nGlobals {
		globals = append(globals, 0x7f, 0x00, 0x41)
		globals = appendS32(globals, int32(g))
		globals = append(globals, 0x41, 0x01, 0x6a, 0x0b)
	}
	// Data: active segments at offset i32.const 2*i, one byte each.
	data := appendU32(nil, nData)
	for i := range nData {
		data = append(data, 0x00, 0x41)
		data = appendS32(data, int32(2*i))
		data = append(data, 0x0b, 0x01, byte(i))
	}
	b := module(sec(5, 1, 0x00, 1)) // one memory, min 1 page
	b = appendSection(b, 6, globals)
	b = appendSection(b, 11, data)
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Globals) != nGlobals || len(m.Datas) != nData {
		t.Fatalf("%d globals, %d data segments", len(m.Globals), len(m.Datas))
	}
	for g, gl := range m.Globals {
		in := gl.Init.Instrs()
		if len(in) != 3 || in[0].Op != wasm.OpI32Const || in[0].Imm != uint64(g) ||
			in[1].Op != wasm.OpI32Const || in[1].Imm != 1 || in[2].Op != wasm.OpI32Add {
			t.Fatalf("global %d: %+v", g, in)
		}
	}
	for i, d := range m.Datas {
		in := d.Offset.Instrs()
		if len(in) != 1 || in[0].Op != wasm.OpI32Const || in[0].Imm != uint64(2*i) || len(d.Bytes) != 1 || d.Bytes[0] != byte(i) {
			t.Fatalf("data %d: %+v %v", i, in, d.Bytes)
		}
	}
}

// appendS32 appends v in signed LEB128, as i32.const takes it.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
