package amd64

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestEncodeImmMatchesTable compares emitImm with the general path for
// the arithmetic ops and mov with an immediate, at 32 and 64 bits, into
// the registers the encoding tells apart (the accumulator among them) and
// memory of each shape, with immediates on both sides of every range the
// forms tell apart; and for calls of functions, their relocations too. It
// checks that emitImm leaves to the general path exactly what it does not
// encode: 64-bit immediates, what no form accepts, other sizes, operands
// and ops, and an Assembler that failed or keeps a listing.
func TestEncodeImmMatchesTable(t *testing.T) {
	imms := []int64{0, 1, -1, 5, 127, -128, 128, -129, 255, 256, 1<<15 - 1, 1 << 16,
		1<<31 - 1, -1 << 31, 1 << 31, 1<<32 - 1, -1<<31 - 1, 1 << 32, 1 << 40, -1 << 40}
	regs := []Reg{RAX, RCX, RSP, RBP, RDI, R8, R12, R13, R15}
	var dsts []Operand
	for _, r := range regs {
		dsts = append(dsts, R(r))
	}
	for _, b := range regs {
		for _, x := range []Reg{NoReg, RAX, RBP, R13} {
			for _, sc := range []uint8{0, 4} {
				if x == NoReg && sc > 0 {
					continue
				}
				for _, d := range []int32{0, 1, -128, 128, 1 << 20} {
					dsts = append(dsts, M(Mem{Base: b, Index: x, Scale: sc, Disp: d}))
				}
			}
		}
	}
	taken, left := 0, 0
	for _, op := range []Op{ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, MOV} {
		for _, size := range []Size{S32, S64} {
			for _, dst := range dsts {
				for _, v := range imms {
					in := I(op, size, dst, Imm(v))
					want, err := Encode(in)
					var a Assembler
					ok := a.emitImm(&in)
					switch {
					case err != nil && ok:
						t.Fatalf("%v: taken, but the table has no form: %v", in, err)
					case err != nil:
						left++
					case ok:
						taken++
						if !bytes.Equal(a.code, want) {
							t.Fatalf("%v: emitImm gives % x, the table % x", in, a.code, want)
						}
					case op == MOV && size == S64 && dst.Kind == KindReg && (v < -1<<31 || v >= 1<<31):
						left++ // mov r64, imm64
					default:
						t.Fatalf("%v: not taken", in)
					}
				}
			}
		}
	}
	t.Logf("%d instructions taken, %d left to the general path", taken, left)

	for _, fn := range []int64{0, 1, 4242, 1<<32 - 1} {
		in := I(CALL, 0, Func(uint32(fn)))
		var want, got Assembler
		want.NewLabel()
		got.NewLabel()
		want.emit(&in)
		if !got.emitImm(&in) {
			t.Fatalf("%v: not taken", in)
		}
		if !bytes.Equal(got.code, want.code) || !reflect.DeepEqual(got.fixups, want.fixups) || !reflect.DeepEqual(got.relocs, want.relocs) {
			t.Fatalf("%v: emitImm gives % x %v %v, the general path % x %v %v", in,
				got.code, got.fixups, got.relocs, want.code, want.fixups, want.relocs)
		}
	}

	for _, in := range []Inst{
		I(ADD, S16, R(RAX), Imm(1)), I(ADD, S8, R(RAX), Imm(1)), I(MOV, S16, R(RAX), Imm(1)), I(MOV, S8, M(Mem{Base: RAX}), Imm(1)),
		I(ADD, S64, R(RAX), R(RCX)), I(ADD, S64, R(XMM0), Imm(1)), I(TEST, S64, R(RAX), Imm(1)), I(SHL, S64, R(RAX), Imm(1)),
		I(IMUL, S64, R(RAX), R(RCX), Imm(3)), I(ADD, S64, M(Mem{Base: RIP, Label: 1}), Imm(1)),
		I(MOV, S64, M(Mem{Index: RCX, Scale: 4}), Imm(1)), I(MOV, S64, R(RAX), Imm(1<<32)),
		I(CALL, 0, R(RAX)), I(CALL, 0, L(1)), I(CALL, S32, Func(1)),
	} {
		var a Assembler
		a.NewLabel()
		if a.emitImm(&in) {
			t.Errorf("%v: taken", in)
		}
	}
	for _, in := range []Inst{I(ADD, S64, R(RAX), Imm(1)), I(CALL, 0, Func(1))} {
		var a Assembler
		a.Listing = &strings.Builder{}
		if a.emitImm(&in) {
			t.Errorf("%v: taken with a listing", in)
		}
		a.Listing = nil
		a.err = errNoForm(&in)
		if a.emitImm(&in) {
			t.Errorf("%v: taken after an error", in)
		}
	}
}
