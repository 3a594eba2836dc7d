package simd

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// TestTablesCoverEveryOp checks that every non-memory SIMD opcode is in
// exactly the table its signature calls for (or is one of the exported
// functions), and that nothing else is.
func TestTablesCoverEveryOp(t *testing.T) {
	v, i32 := wasm.V128, wasm.I32
	sig := func(info *wasm.OpInfo, params ...wasm.ValType) bool {
		if len(info.Params) != len(params) || len(info.Results) != 1 {
			return false
		}
		for k, p := range params {
			if info.Params[k] != p {
				return false
			}
		}
		return true
	}
	for s := 0; s < 256; s++ {
		op := wasm.Opcode(0xFD00 | s)
		info := op.Info()
		want := ""
		switch {
		case info == nil || isMemoryOp(info) || op == wasm.OpV128Const:
		case info.Imm == wasm.ImmLane || info.Imm == wasm.ImmShuffle || op == wasm.OpV128Bitselect:
		case sig(info, v) && info.Results[0] == v:
			want = "Unary"
		case sig(info, v, v):
			want = "Binary"
		case sig(info, v) && info.Results[0] == i32:
			want = "Test"
		case sig(info, v, i32):
			want = "Shift"
		case len(info.Params) == 1 && info.Results[0] == v:
			want = "Splat"
		default:
			t.Errorf("%s: unexpected signature", info.Name)
		}
		have := map[string]bool{
			"Unary": Unary[s] != nil, "Binary": Binary[s] != nil, "Test": Test[s] != nil,
			"Shift": Shift[s] != nil, "Splat": Splat[s] != nil,
		}
		for table, present := range have {
			if present != (table == want) {
				name := "unknown"
				if info != nil {
					name = info.Name
				}
				t.Errorf("0xFD %#02x %s: in %s = %v, want %v", s, name, table, present, table == want)
			}
		}
	}
}

func TestNoAllocation(t *testing.T) {
	a := V128{0x0123456789abcdef, 0xfedcba9876543210}
	b := V128{0x8000000080000000, 0x7fffffff00000001}
	n := testing.AllocsPerRun(10, func() {
		for s := 0; s < 256; s++ {
			if f := Unary[s]; f != nil {
				a = f(a)
			}
			if f := Binary[s]; f != nil {
				a = f(a, b)
			}
			if f := Shift[s]; f != nil {
				a = f(a, 3)
			}
			if f := Splat[s]; f != nil {
				b = f(a.Lo)
			}
			if f := Test[s]; f != nil {
				b.Lo += uint64(f(a))
			}
		}
		a = Shuffle(a, b, b)
		a = ReplaceLane(wasm.OpI16x8ReplaceLane, a, 3, ExtractLane(wasm.OpI8x16ExtractLaneS, b, 9))
	})
	if n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
