package amd64

import (
	"bytes"
	"testing"
)

// TestEncodeRMMatchesTable compares emitRM with the general path for
// every op of rmOpcodes, at 32 and 64 bits, in each direction the op has,
// with the registers the encoding tells apart as register, base and
// index, each scale and each displacement size; and checks that it leaves
// other sizes and operands, rip-relative or absolute memory, and an
// Assembler that failed, to the general path.
func TestEncodeRMMatchesTable(t *testing.T) {
	disps := []int32{0, 1, -1, 127, -128, 128, -129, 1 << 20}
	// Low and high registers, and those the encoding treats apart: rsp
	// and r12 as a base need a SIB byte, rbp and r13 a displacement.
	regs := []Reg{RAX, RCX, RSP, RBP, RDI, R8, R12, R13, R15}
	var insts []Inst
	for op := range numOps {
		codes := rmOpcodes[op]
		if codes == [2]byte{} {
			continue
		}
		for _, size := range []Size{S32, S64} {
			for _, r := range regs {
				for _, b := range regs {
					if codes[0] != 0 {
						insts = append(insts, I(op, size, R(r), R(b)))
					}
					for _, x := range []Reg{NoReg, RAX, RBP, R12, R13, R15} {
						for _, sc := range []uint8{0, 1, 2, 4, 8} {
							if x == NoReg && sc > 1 {
								continue
							}
							for _, d := range disps {
								m := M(Mem{Base: b, Index: x, Scale: sc, Disp: d})
								if codes[0] != 0 {
									insts = append(insts, I(op, size, m, R(r)))
								}
								if codes[1] != 0 {
									insts = append(insts, I(op, size, R(r), m))
								}
							}
						}
					}
				}
			}
		}
	}
	for _, in := range insts {
		want, err := Encode(in)
		if err != nil {
			t.Fatalf("%v: %v", in, err)
		}
		var a Assembler
		if !a.emitRM(&in) {
			t.Fatalf("%v: not taken", in)
		}
		if got := a.code; !bytes.Equal(got, want) {
			t.Fatalf("%v: emitRM gives % x, the table % x", in, got, want)
		}
	}
	t.Logf("%d instructions", len(insts))

	for _, in := range []Inst{
		I(MOV, S16, R(RAX), R(RCX)), I(MOV, S8, R(RAX), R(RCX)), I(MOV, S64, R(RAX), Imm(1)),
		I(MOV, S64, R(RAX), M(Mem{Base: RIP, Label: 1})), I(MOV, S64, R(RAX), M(Mem{Index: RCX, Scale: 4})),
		I(MOV, S64, R(RAX), M(Mem{Base: RAX, Index: RSP})), I(MOV, S64, R(RAX), M(Mem{Base: RAX, Index: RCX, Scale: 3})),
		I(MOV, S64, R(XMM0), R(RAX)), I(LEA, S64, R(RAX), R(RCX)), I(TEST, S64, R(RAX), M(Mem{Base: RCX})),
		I(IMUL, S64, R(RAX), R(RCX)), I(ADD, S32, R(RAX), Imm(1)),
		I(MOV, S64, M(Mem{Base: RAX}), M(Mem{Base: RCX})),
	} {
		var a Assembler
		if a.emitRM(&in) {
			t.Errorf("%v: taken", in)
		}
	}
	var a Assembler
	a.Listing = nil
	in := I(MOV, S64, R(RAX), R(RCX))
	a.err = errNoForm(&in)
	if a.emitRM(&in) {
		t.Error("taken after an error")
	}
}
