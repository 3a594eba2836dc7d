package amd64

import (
	"bytes"
	"testing"
)

// TestEncodeMoveMatchesTable holds encodeMove to the bytes the form table
// gives the same move, for every register pair, direction and
// displacement size, general-purpose and XMM.
func TestEncodeMoveMatchesTable(t *testing.T) {
	disps := []int32{0, 8, -8, 127, 128, -128, -129, 4096, 1 << 20, -1 << 20}
	for _, float := range []bool{false, true} {
		first, op, size := RAX, MOV, S64
		if float {
			first, size = XMM0, 0
		}
		for i := range Reg(16) {
			for j := range Reg(16) {
				dst, src := first+i, first+j
				for sh := moveRegReg; sh <= moveStore; sh++ {
					for _, d := range disps {
						slot := M(Mem{Base: RSP, Disp: d})
						var in Inst
						switch sh {
						case moveRegReg:
							if d != 0 {
								continue
							}
							in = I(op, size, R(dst), R(src))
							if float {
								in.Op = MOVAPS
							}
						case moveLoad:
							in = I(op, size, R(dst), slot)
							if float {
								in.Op = MOVUPS
							}
						case moveStore:
							in = I(op, size, slot, R(src))
							if float {
								in.Op = MOVUPS
							}
						}
						want, err := Encode(in)
						if err != nil {
							t.Fatalf("%v: %v", in, err)
						}
						var buf [maxInstLen]byte
						got := buf[:encodeMove(&buf, float, sh, dst, src, d)]
						if !bytes.Equal(got, want) {
							t.Errorf("%v: encodeMove % x, table % x", in, got, want)
						}
					}
				}
			}
		}
	}
}
