package binary

import (
	"math/rand/v2"
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// TestNextShortMatchesNext: for every one-byte opcode followed by
// immediates of every length (short, long, too long, malformed, cut off),
// with each set of features off, NextShort either reads nothing or reads
// exactly what Next reads: the same instruction and the same bytes.
func TestNextShortMatchesNext(t *testing.T) {
	tails := [][]byte{
		{}, {0x00}, {0x05}, {0x3f}, {0x40}, {0x7f}, {0x80}, {0x80, 0x01}, {0xff, 0x7f},
		{0x80, 0x80, 0x80, 0x80, 0x01}, {0x80, 0x80, 0x80, 0x80, 0x10}, {0xff, 0xff, 0xff, 0xff, 0x7f},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
		{0x02, 0x08}, {0x03, 0x90, 0x4e}, {0x3f, 0x00}, {0x40, 0x00, 0x08}, {0x41, 0x01, 0x02},
		{0x02, 0xff, 0xff, 0xff, 0xff, 0x0f}, {0x02, 0xff, 0xff, 0xff, 0xff, 0x1f},
		{0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		tail := make([]byte, rng.IntN(12))
		for i := range tail {
			tail[i] = byte(rng.UintN(256))
		}
		tails = append(tails, tail)
	}
	offs := []wasm.Features{0, wasm.FeatureMultiMemory, wasm.FeatureMemory64, wasm.FeatureMultiMemory | wasm.FeatureMemory64, wasm.AllFeatures}
	taken := 0
	for c := range 256 {
		for _, tail := range tails {
			code := append([]byte{byte(c)}, tail...)
			for _, off := range offs {
				const base = 1000
				short := NewExprReader(code, base)
				short.DisableFeatures(off)
				short.Reset(code, base)
				long := NewExprReader(code, base)
				long.DisableFeatures(off)
				long.Reset(code, base)
				at := short.Offset()
				op, x, imm, ok := short.NextShort()
				if !ok {
					if short.Offset() != at {
						t.Fatalf("% x, features off %v: NextShort declined but read %d bytes", code, off, short.Offset()-at)
					}
					continue
				}
				taken++
				var in wasm.Instr
				if err := long.Next(&in); err != nil {
					t.Fatalf("% x, features off %v: NextShort read %s, Next fails: %v", code, off, op, err)
				}
				if got := ShortInstr(op, x, imm, at); !sameInstr(got, in) {
					t.Fatalf("% x, features off %v: NextShort read %+v, Next %+v", code, off, got, in)
				}
				if short.Offset() != long.Offset() {
					t.Fatalf("% x, features off %v: NextShort read up to %d, Next %d", code, off, short.Offset(), long.Offset())
				}
			}
		}
	}
	if taken == 0 {
		t.Fatal("NextShort read nothing")
	}
}

// sameInstr compares two instructions with no list immediates.
func sameInstr(a, b wasm.Instr) bool {
	if a.Types != nil || a.Targets != nil || a.Catches != nil || b.Types != nil || b.Targets != nil || b.Catches != nil {
		return false
	}
	return a.Op == b.Op && a.X == b.X && a.Y == b.Y && a.Mem == b.Mem && a.Imm == b.Imm && a.Hi == b.Hi &&
		a.Block == b.Block && a.Type == b.Type && a.Offset == b.Offset
}
