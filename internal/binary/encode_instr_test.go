package binary

import (
	"io"
	"reflect"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// sampleInstrs gives instructions of opcode op with immediates that
// exercise its encoding (multi-byte LEB128s, sign bits, both v128 halves).
func sampleInstrs(op wasm.Opcode, kind wasm.ImmKind) []wasm.Instr {
	in := wasm.Instr{Op: op}
	switch kind {
	case wasm.ImmBlockType:
		return []wasm.Instr{
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockEmpty}},
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.V128}},
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.ExternRef}},
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: 0}},
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: 200}},
			{Op: op, Block: wasm.BlockType{Kind: wasm.BlockTypeIndex, Index: 1<<32 - 1}},
		}
	case wasm.ImmLabel, wasm.ImmFunc, wasm.ImmLocal, wasm.ImmGlobal, wasm.ImmTable, wasm.ImmData, wasm.ImmElem,
		wasm.ImmMemory, wasm.ImmTypeIndex, wasm.ImmTag:
		a, b := in, in
		a.X, b.X = 3, 1<<32-1
		return []wasm.Instr{a, b}
	case wasm.ImmBrTable:
		a, b := in, in
		a.Targets = []uint32{0}
		b.Targets = []uint32{1, 300, 1 << 20, 7}
		return []wasm.Instr{a, b}
	case wasm.ImmCallIndirect, wasm.ImmTableInit, wasm.ImmTableCopy, wasm.ImmMemInit, wasm.ImmMemCopy, wasm.ImmIndexPair:
		in.X, in.Y = 129, 2
		return []wasm.Instr{in}
	case wasm.ImmMemArg:
		a, b := in, in
		a.X, a.Imm = 2, 0xffffffff
		b.X, b.Imm, b.Mem = 3, 1<<40, 300 // another memory, a 64-bit offset
		return []wasm.Instr{a, b}
	case wasm.ImmMemArgLane:
		in.X, in.Imm, in.Y, in.Mem = 0, 1000, 15, 1
		return []wasm.Instr{in}
	case wasm.ImmI32:
		var out []wasm.Instr
		for _, v := range []int32{0, -1, 63, 64, -64, -65, 1 << 30, -1 << 31, 1<<31 - 1} {
			in.Imm = uint64(uint32(v))
			out = append(out, in)
		}
		return out
	case wasm.ImmI64:
		var out []wasm.Instr
		for _, v := range []int64{0, -1, 1 << 62, -1 << 63, 1<<63 - 1, 12345678901} {
			in.Imm = uint64(v)
			out = append(out, in)
		}
		return out
	case wasm.ImmF32:
		in.Imm = 0x7fc00001
		return []wasm.Instr{in}
	case wasm.ImmF64:
		in.Imm = 0xfff8000000000001
		return []wasm.Instr{in}
	case wasm.ImmV128, wasm.ImmShuffle:
		in.Imm, in.Hi = 0x0706050403020100, 0x1f1e1d1c1b1a1918
		return []wasm.Instr{in}
	case wasm.ImmLane:
		in.Y = 7
		return []wasm.Instr{in}
	case wasm.ImmHeapType:
		nullable := op == wasm.OpRefNull || op == wasm.OpRefTestNull || op == wasm.OpRefCastNull
		a, b, c := in, in, in
		a.Type, b.Type = wasm.RefType(nullable, wasm.HeapFunc), wasm.RefType(nullable, wasm.HeapExn)
		c.Type = wasm.RefType(nullable, 300)
		return []wasm.Instr{a, b, c}
	case wasm.ImmSelectT:
		a, b := in, in
		a.Types = []wasm.ValType{wasm.V128}
		b.Types = []wasm.ValType{wasm.RefType(false, 7)}
		return []wasm.Instr{a, b}
	case wasm.ImmTryTable:
		in.Block = wasm.BlockType{Kind: wasm.BlockValue, Type: wasm.RefType(true, 2)}
		in.Catches = []wasm.CatchClause{{Kind: wasm.Catch, Tag: 3, Label: 1}, {Kind: wasm.CatchAllRef, Label: 200}}
		return []wasm.Instr{in}
	case wasm.ImmBrOnCast:
		in.X = 2
		in.Types = []wasm.ValType{wasm.RefType(true, wasm.HeapAny), wasm.RefType(false, 5)}
		return []wasm.Instr{in}
	}
	return []wasm.Instr{in}
}

// TestAppendInstrRoundTrip encodes every opcode of the table and reads it
// back with ExprReader.
func TestAppendInstrRoundTrip(t *testing.T) {
	kinds := map[wasm.ImmKind]bool{}
	for _, prefix := range []wasm.Opcode{0, 0x100, 0xFB00, 0xFC00, 0xFD00} {
		for i := wasm.Opcode(0); i < 256; i++ {
			op := prefix | i
			info := op.Info()
			if info == nil {
				continue
			}
			kinds[info.Imm] = true
			for _, want := range sampleInstrs(op, info.Imm) {
				b := AppendInstr(nil, &want)
				r := NewExprReader(b, 0)
				var got wasm.Instr
				if err := r.Next(&got); err != nil {
					t.Fatalf("%s: % x: %v", info.Name, b, err)
				}
				if err := r.Next(&wasm.Instr{}); err != io.EOF {
					t.Fatalf("%s: % x: trailing bytes", info.Name, b)
				}
				got.Offset = 0
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: % x read back as %+v, want %+v", info.Name, b, got, want)
				}
			}
		}
	}
	if len(kinds) != int(wasm.ImmBrOnCast)+1 {
		t.Errorf("covered %d immediate kinds, want %d", len(kinds), wasm.ImmBrOnCast+1)
	}
}
