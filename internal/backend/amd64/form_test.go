package amd64

import "testing"

// TestOperandMask: operandMask is argKind.accepts computed for all kinds
// at once.
func TestOperandMask(t *testing.T) {
	var ops []Operand
	for r := Reg(0); r < 40; r++ {
		ops = append(ops, R(r))
	}
	ops = append(ops, R(RIP), R(NoReg), M(Mem{Base: RAX}), M(Mem{Base: RIP, Label: 1}), L(0), L(3), Operand{Kind: KindLabel, Imm: -1}, Operand{Kind: KindLabel, Imm: 1 << 40}, Func(0), Func(7), Operand{Kind: KindFunc, Imm: -1}, Operand{Kind: KindFunc, Imm: 1 << 33}, Operand{}, Operand{Kind: 99})
	for _, v := range []int64{0, 1, 2, -1, 127, 128, -128, -129, 255, 256, 1<<15 - 1, 1 << 15, 1<<16 - 1, 1 << 16, -1 << 15, -1<<15 - 1,
		1<<31 - 1, 1 << 31, -1 << 31, -1<<31 - 1, 1<<32 - 1, 1 << 32, -1 << 63, 1<<63 - 1} {
		ops = append(ops, Imm(v))
	}
	for _, size := range []Size{0, S8, S16, S32, S64, S128} {
		for _, o := range ops {
			m := operandMask(&o, size)
			for k := argR; k <= argFunc; k++ {
				if got, want := m&(1<<k) != 0, k.accepts(&o, size); got != want {
					t.Errorf("size %v, operand %+v, kind %d: mask says %v, accepts %v", size, o, k, got, want)
				}
			}
		}
	}
}
