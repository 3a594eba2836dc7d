package simd

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

// FuzzTotal checks that no entry point panics for any operands, lane index
// or opcode (the interpreter trusts the validator, but the host must
// survive even if it did not).
func FuzzTotal(f *testing.F) {
	f.Add(uint64(0), uint64(0), uint64(0), uint64(0), uint32(0), uint16(0))
	f.Add(uint64(1<<63), ^uint64(0), uint64(0x7fc00000ffc00000), uint64(0x7ff8000000000001), uint32(255), uint16(0xfd15))
	f.Fuzz(func(t *testing.T, alo, ahi, blo, bhi uint64, n uint32, op uint16) {
		a, b := V128{alo, ahi}, V128{blo, bhi}
		for s := 0; s < 256; s++ {
			if f := Unary[s]; f != nil {
				f(a)
			}
			if f := Binary[s]; f != nil {
				f(a, b)
			}
			if f := Shift[s]; f != nil {
				f(a, n)
			}
			if f := Splat[s]; f != nil {
				f(alo)
			}
			if f := Test[s]; f != nil {
				f(a)
			}
		}
		Shuffle(a, b, b)
		Bitselect(a, b, a)
		ExtractLane(wasm.Opcode(op), a, n)
		ReplaceLane(wasm.Opcode(op), a, n, blo)
		LoadExtend(wasm.Opcode(op), alo)
	})
}
