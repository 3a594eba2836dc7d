package amd64

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

var update = flag.Bool("update", false, "rewrite testdata/encode.golden")

const goldenPath = "testdata/encode.golden"

// Shorthands for the test table.
func base(b Reg, disp int32) Operand { return M(Mem{Base: b, Disp: disp}) }
func sib(b, i Reg, scale uint8, disp int32) Operand {
	return M(Mem{Base: b, Index: i, Scale: scale, Disp: disp})
}
func ripLabel(disp int32) Operand { return M(Mem{Base: RIP, Label: 1, Disp: disp}) }

// testLabel is the label every branch in the table refers to; the golden
// test binds it at the start of the instruction.
const testLabel Label = 1

// goldenInsts is every instruction form the encoder knows, each at least
// once, plus the addressing and prefix corner cases.
func goldenInsts() []Inst {
	var ins []Inst
	add := func(in ...Inst) { ins = append(ins, in...) }

	// Addressing modes, through mov.
	for _, m := range []Operand{
		base(RAX, 0), base(RDI, 16), base(RSI, -8), base(RCX, 0x1000), base(RDX, -0x1000),
		base(RSP, 0), base(RSP, 8), base(R12, 0), base(R12, 0x200), // SIB needed
		base(RBP, 0), base(R13, 0), base(RBP, -8), base(R13, 0x100), // disp8 of 0 needed
		base(R8, 0), base(R15, 127), base(R11, 128), base(R9, -128), base(R10, -129),
		sib(RDI, RCX, 4, 16), sib(RAX, RBX, 1, 0), sib(RAX, RBX, 2, 0), sib(RAX, RBX, 8, 0),
		sib(R8, R9, 8, -8), sib(RSP, RAX, 1, 0), sib(RBP, RAX, 1, 0), sib(R13, R12, 1, 0),
		sib(R12, R13, 4, 0x12345), sib(RSP, R12, 2, 1),
		sib(NoReg, RCX, 4, 16), sib(NoReg, R12, 8, 0), sib(NoReg, RAX, 1, -4), // index without base
		base(NoReg, 0x10), // absolute disp32
		M(Mem{Base: RIP, Disp: 16}), ripLabel(0), ripLabel(8),
	} {
		add(I(MOV, S32, R(RAX), m), I(MOV, S64, m, R(R9)))
	}

	regs := []Reg{RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15}
	// Every register in reg and rm, at every size (byte registers need REX).
	for _, r := range regs {
		add(I(MOV, S64, R(r), R(RAX)), I(MOV, S32, R(RAX), R(r)), I(MOV, S16, R(r), R(RCX)), I(MOV, S8, R(RDX), R(r)))
	}

	// The ALU family.
	for _, op := range []Op{ADD, OR, ADC, SBB, AND, SUB, XOR, CMP} {
		add(
			I(op, S64, R(RAX), R(RBX)), I(op, S32, R(R8), R(R15)), I(op, S16, R(RAX), R(RBX)), I(op, S8, R(RSI), R(RDI)),
			I(op, S64, R(R10), base(RDI, 8)), I(op, S32, base(RSP, 4), R(RCX)), I(op, S8, R(RAX), base(R13, 0)),
			I(op, S64, R(RCX), Imm(1)), I(op, S64, R(RCX), Imm(-128)), I(op, S64, R(RCX), Imm(127)),
			I(op, S64, R(RCX), Imm(128)), I(op, S64, R(RCX), Imm(-129)), I(op, S64, R(RAX), Imm(0x1000)),
			I(op, S32, R(RAX), Imm(5)), I(op, S32, R(RDX), Imm(0x7fffffff)), I(op, S32, R(RDX), Imm(0xffffffff)),
			I(op, S16, R(RAX), Imm(1000)), I(op, S16, R(R9), Imm(1000)), I(op, S16, base(RDI, 0), Imm(-2)),
			I(op, S8, R(RAX), Imm(5)), I(op, S8, R(RSI), Imm(200)), I(op, S8, base(RDI, 1), Imm(-1)),
			I(op, S32, base(RBP, -4), Imm(100000)), I(op, S64, sib(RAX, RCX, 8, 0), Imm(3)),
		)
	}
	add(
		I(TEST, S64, R(RAX), R(RAX)), I(TEST, S32, R(R12), R(RCX)), I(TEST, S8, R(RDI), R(RDI)), I(TEST, S16, base(RAX, 0), R(RDX)),
		I(TEST, S8, R(RAX), Imm(1)), I(TEST, S32, R(RAX), Imm(0x100)), I(TEST, S64, R(RAX), Imm(-1)),
		I(TEST, S32, R(RCX), Imm(1)), I(TEST, S8, R(RSI), Imm(0x80)), I(TEST, S64, base(RDI, 8), Imm(7)),
	)

	// Moves.
	add(
		I(MOV, S64, R(RAX), R(RBX)), I(MOV, S32, R(R15), R(R8)),
		I(MOV, S8, base(RDI, 0), R(RSI)), I(MOV, S16, base(RDI, 2), R(RAX)), I(MOV, S8, R(R11), base(RAX, 0)),
		I(MOV, S32, R(RAX), Imm(0)), I(MOV, S32, R(RAX), Imm(0xffffffff)), I(MOV, S32, R(R10), Imm(-1)),
		I(MOV, S16, R(RAX), Imm(5)), I(MOV, S8, R(RAX), Imm(5)), I(MOV, S8, R(RSI), Imm(5)), I(MOV, S8, R(R12), Imm(0xff)),
		I(MOV, S64, R(RAX), Imm(1)), I(MOV, S64, R(RAX), Imm(-1)), I(MOV, S64, R(R9), Imm(0x7fffffff)),
		I(MOV, S64, R(RAX), Imm(0x80000000)), I(MOV, S64, R(R14), Imm(0x123456789abcdef0)), I(MOV, S64, R(RDX), Imm(-0x80000001)),
		I(MOV, S8, base(RDI, 0), Imm(5)), I(MOV, S16, base(RDI, 0), Imm(5)), I(MOV, S32, base(RDI, 0), Imm(5)),
		I(MOV, S64, base(RSP, 8), Imm(-5)), I(MOV, S64, base(R12, 0), Imm(0x10000)),

		I(MOVZX8, S32, R(RAX), R(RCX)), I(MOVZX8, S32, R(RAX), R(RSI)), I(MOVZX8, S64, R(R8), R(R9)),
		I(MOVZX8, S32, R(RAX), base(RDI, 0)), I(MOVZX8, S16, R(RAX), R(RDI)),
		I(MOVZX16, S32, R(RAX), R(RCX)), I(MOVZX16, S64, R(RAX), base(RDI, 4)), I(MOVZX16, S32, R(R13), base(R13, 0)),
		I(MOVSX8, S32, R(RAX), R(RCX)), I(MOVSX8, S64, R(RAX), R(RBP)), I(MOVSX8, S64, R(RAX), base(RSI, 0)),
		I(MOVSX16, S32, R(RAX), R(RCX)), I(MOVSX16, S64, R(R10), sib(RDI, RAX, 2, 0)),
		I(MOVSXD, S64, R(RAX), R(RCX)), I(MOVSXD, S64, R(R8), base(RDI, 0)), I(MOVSXD, S64, R(RAX), R(R15)),
		I(LEA, S64, R(RAX), sib(RDI, RCX, 4, 16)), I(LEA, S32, R(RAX), base(RAX, 1)), I(LEA, S64, R(R11), ripLabel(0)),
		I(LEA, S64, R(RSP), base(RSP, -32)), I(LEA, S64, R(RAX), sib(NoReg, RAX, 8, 0)),
	)
	for c := Cond(0); c < 16; c++ {
		add(SetCC(c, RAX), CMovCC(c, S32, RAX, R(RCX)), Jcc(c, testLabel))
	}
	add(
		SetCC(CondE, RSI), SetCC(CondL, R9), SetCC(CondB, RSP), Inst{Op: SETCC, Size: S8, Cond: CondNE, Args: [3]Operand{base(RDI, 0)}},
		CMovCC(CondG, S64, R8, base(RSP, 8)), CMovCC(CondA, S16, RAX, R(RDX)),
	)

	// Unary, multiply, divide.
	for _, op := range []Op{NOT, NEG, MUL, DIV, IDIV} {
		add(I(op, S64, R(RAX)), I(op, S32, R(RCX)), I(op, S32, R(R11)), I(op, S8, R(RSI)), I(op, S16, R(RDX)),
			I(op, S64, base(RDI, 8)))
	}
	add(
		I(IMUL, S64, R(RAX), R(RCX)), I(IMUL, S32, R(R9), base(RBP, -8)), I(IMUL, S16, R(RAX), R(RCX)),
		I(IMUL, S32, R(RAX), R(RCX), Imm(10)), I(IMUL, S64, R(RAX), R(RCX), Imm(-128)), I(IMUL, S64, R(R8), R(R12), Imm(1000)),
		I(IMUL, S32, R(RDX), base(RSP, 0), Imm(0x7fffffff)), I(IMUL, S16, R(RAX), R(RAX), Imm(300)),
		I(CDQ, 0), I(CQO, 0),
	)

	// Shifts and rotates.
	for _, op := range []Op{ROL, ROR, SHL, SHR, SAR} {
		add(I(op, S64, R(RAX), R(RCX)), I(op, S32, R(R8), R(RCX)), I(op, S8, R(RSI), R(RCX)),
			I(op, S64, R(RAX), Imm(1)), I(op, S32, R(RDX), Imm(31)), I(op, S64, R(R15), Imm(63)),
			I(op, S16, R(RAX), Imm(4)), I(op, S8, R(RDI), Imm(1)), I(op, S32, base(RDI, 0), Imm(3)),
			I(op, S64, base(RSP, 8), R(RCX)))
	}

	// Bit counting.
	for _, op := range []Op{BSF, BSR, LZCNT, TZCNT, POPCNT} {
		add(I(op, S64, R(RAX), R(RCX)), I(op, S32, R(R8), R(RAX)), I(op, S16, R(RAX), R(RDX)), I(op, S64, R(RAX), base(RDI, 8)))
	}

	// Control flow and stack.
	add(
		Jmp(testLabel), I(JMP, 0, R(RAX)), I(JMP, S64, R(R11)), I(JMP, 0, base(RAX, 0)), I(JMP, 0, sib(RDI, RCX, 8, 0)),
		I(JMP, 0, Func(3)), I(CALL, 0, Func(7)), I(CALL, 0, L(testLabel)), I(CALL, 0, R(RAX)), I(CALL, 0, R(R11)), I(CALL, 0, base(R15, 0x40)),
		I(RET, 0), I(RET, 0, Imm(24)), I(RET, 0, Imm(0x8000)), I(NOP, 0), I(UD2, 0), I(INT3, 0), I(REPMOVSB, 0), I(REPSTOSB, 0),
		I(PUSH, 0, R(RAX)), I(PUSH, 0, R(RBP)), I(PUSH, 0, R(R12)), I(PUSH, 0, R(R15)), I(PUSH, 0, base(RDI, 8)),
		I(PUSH, 0, Imm(1)), I(PUSH, 0, Imm(-1000)),
		I(POP, 0, R(RAX)), I(POP, 0, R(RBP)), I(POP, 0, R(R13)), I(POP, S64, base(RSP, 0)),
	)

	// SSE.
	for _, op := range []Op{ADDSS, ADDSD, SUBSS, SUBSD, MULSS, MULSD, DIVSS, DIVSD, SQRTSS, SQRTSD,
		MINSS, MINSD, MAXSS, MAXSD, UCOMISS, UCOMISD, CVTSS2SD, CVTSD2SS,
		ANDPS, ANDNPS, ORPS, XORPS, ANDPD, ANDNPD, ORPD, XORPD, PXOR, MOVAPS, MOVUPS, MOVDQA, MOVDQU, MOVSS, MOVSD} {
		add(I(op, 0, R(XMM0), R(XMM1)), I(op, 0, R(XMM8), R(XMM15)), I(op, 0, R(XMM3), R(XMM12)),
			I(op, 0, R(XMM2), base(RDI, 8)), I(op, 0, R(XMM9), sib(R12, RAX, 8, 0)), I(op, 0, R(XMM1), ripLabel(0)))
	}
	for _, op := range []Op{MOVAPS, MOVUPS, MOVDQA, MOVDQU, MOVSS, MOVSD, MOVQ, MOVD} {
		add(I(op, 0, base(RSP, 16), R(XMM0)), I(op, 0, sib(R8, R9, 1, -16), R(XMM10)))
	}
	add(
		I(ROUNDSS, 0, R(XMM0), R(XMM1), Imm(1)), I(ROUNDSD, 0, R(XMM10), R(XMM1), Imm(3)),
		I(ROUNDSS, 0, R(XMM0), base(RAX, 0), Imm(9)), I(ROUNDSD, 0, R(XMM2), ripLabel(0), Imm(11)),
		I(CMPSS, 0, R(XMM0), R(XMM1), Imm(3)), I(CMPSD, 0, R(XMM11), base(RDI, 8), Imm(1)),
		I(MOVD, 0, R(XMM0), R(RAX)), I(MOVD, 0, R(XMM9), R(R10)), I(MOVD, 0, R(RAX), R(XMM0)), I(MOVD, 0, R(R8), R(XMM15)),
		I(MOVD, 0, R(XMM1), base(RDI, 0)),
		I(MOVQ, 0, R(XMM0), R(RAX)), I(MOVQ, 0, R(XMM9), R(R10)), I(MOVQ, 0, R(RAX), R(XMM0)), I(MOVQ, 0, R(R8), R(XMM15)),
		I(MOVQ, 0, R(XMM0), R(XMM1)), I(MOVQ, 0, R(XMM1), base(RDI, 0)),
	)
	for _, op := range []Op{CVTSI2SS, CVTSI2SD} {
		add(I(op, S32, R(XMM0), R(RAX)), I(op, S64, R(XMM0), R(RAX)), I(op, S64, R(XMM12), R(R13)),
			I(op, S32, R(XMM1), base(RDI, 0)), I(op, S64, R(XMM1), base(RDI, 0)))
	}
	for _, op := range []Op{CVTTSS2SI, CVTTSD2SI} {
		add(I(op, S32, R(RAX), R(XMM0)), I(op, S64, R(RAX), R(XMM0)), I(op, S64, R(R13), R(XMM12)),
			I(op, S32, R(RCX), base(RDI, 0)), I(op, S64, R(RCX), ripLabel(0)))
	}
	ins = append(ins, simdGoldenInsts()...)
	return ins
}

// simdGoldenInsts has every form of the SIMD and AVX tables three times:
// low registers with a base+disp address, high registers with a SIB
// address (REX/VEX.R, X, B and vvvv's top bit), and a low destination with
// high sources and a rip-relative address (the 2-byte VEX swaps).
func simdGoldenInsts() []Inst {
	var ins []Inst
	seen := map[string]bool{}
	for op := MOVAPD; op < numOps; op++ {
		for fi := range formsByOp[op] {
			f := &formsByOp[op][fi]
			for variant := 0; variant < 3; variant++ {
				in := formInst(op, f, variant)
				if text := in.String(); !seen[text] {
					seen[text] = true
					ins = append(ins, in)
				}
			}
		}
	}
	// The moves GNU as turns around so that a 2-byte VEX prefix suffices,
	// and those it cannot (the destination is high too, or W1).
	for _, op := range []Op{VMOVAPS, VMOVUPS, VMOVAPD, VMOVUPD, VMOVDQA, VMOVDQU, VMOVQ} {
		ins = append(ins, I(op, 0, R(XMM1), R(XMM8)), I(op, 0, R(XMM9), R(XMM8)), I(op, 0, R(XMM9), R(XMM1)))
	}
	ins = append(ins, I(VMOVSS, 0, R(XMM0), R(XMM1), R(XMM15)), I(VMOVSD, 0, R(XMM0), R(XMM9), R(XMM15)),
		I(VMOVQ, 0, R(XMM1), R(R8)), I(VMOVQ, 0, R(R8), R(XMM1)))
	return ins
}

// formInst builds an instruction of form f with operands of one variant.
func formInst(op Op, f *form, variant int) Inst {
	xmms := [3][]Reg{{XMM1, XMM2, XMM3, XMM4}, {XMM9, XMM10, XMM14, XMM15}, {XMM5, XMM11, XMM8, XMM13}}
	gprs := [3][]Reg{{RAX, RCX}, {R9, R10}, {RDX, R15}}
	mems := []Operand{base(RDI, 8), sib(R12, R13, 8, 0x100), ripLabel(0)}
	imms := []int64{1, 255, 0x1b}
	var args [4]Operand
	for i := 0; i < int(f.nargs); i++ {
		switch f.args[i] {
		case argX:
			args[i] = R(xmms[variant][i])
		case argXM:
			args[i] = R(xmms[variant][i])
			if variant != 1 || i != int(f.nargs)-1 {
				args[i] = mems[variant]
			}
		case argR:
			args[i] = R(gprs[variant][i%2])
		case argRM:
			args[i] = R(gprs[variant][i%2])
			if variant == 2 {
				args[i] = mems[variant]
			}
		case argM:
			args[i] = mems[variant]
		case argXMM0:
			args[i] = R(XMM0)
		default:
			args[i] = Imm(imms[variant])
		}
	}
	if variant == 0 {
		// Also the register-register form of x/m operands.
		for i := 0; i < int(f.nargs); i++ {
			if f.args[i] == argXM {
				args[i] = R(xmms[0][i])
			}
		}
	}
	var size Size // the form's one size, if it does not take 0
	for _, sz := range []Size{S64, S32} {
		if f.sizes&s0 == 0 && f.sizes&sizeBit(sz) != 0 {
			size = sz
		}
	}
	return I4(op, size, args[:f.nargs]...)
}

// encodeForGolden encodes one instruction with testLabel bound at its start
// (so branches and rip-relative labels have a known displacement) and every
// branch in its rel32 form.
func encodeForGolden(in Inst) ([]byte, error) {
	a := Assembler{LongBranches: true}
	a.Bind(a.NewLabel())
	a.Emit(in)
	end := a.Mark()
	code, _, err := a.Finish()
	if err != nil {
		return nil, err
	}
	n, _ := a.LabelOffset(end) // drop the padding before the (empty) pool
	return code[:n], nil
}

func formatHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, " ")
}

func renderGolden(t *testing.T) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("# amd64 encoder golden file: Intel-syntax text, then the bytes.\n")
	out.WriteString("# Regenerate with: go test ./internal/backend/amd64 -run TestGolden -update\n")
	out.WriteString("# Branches and [rip + .L1] refer to a label bound at the start of the line.\n")
	for _, in := range goldenInsts() {
		code, err := encodeForGolden(in)
		if err != nil {
			t.Fatalf("%v: %v", in, err)
		}
		// At least two spaces before the bytes, however long the text.
		fmt.Fprintf(&out, "%-52s %s\n", in.String()+" ", formatHex(code))
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	got := renderGolden(t)
	if *update {
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s:%d:\n got  %s\n want %s", filepath.Base(goldenPath), i+1, g, w)
				break
			}
		}
		t.Fatal("golden file differs; if the change is intended run with -update")
	}
}

// TestCompactSizes holds the sizes that lowering's templates and emission
// stream through: an Operand packs its immediate into Mem's last eight
// bytes.
func TestCompactSizes(t *testing.T) {
	if s := unsafe.Sizeof(Operand{}); s != 16 {
		t.Errorf("Operand is %d bytes, want 16", s)
	}
	if s := unsafe.Sizeof(Inst{}); s != 56 {
		t.Errorf("Inst is %d bytes, want 56", s)
	}
	for _, v := range []int64{0, 1, -1, 1 << 31, -1 << 31, 1<<32 - 1, 1 << 32, -1 << 63, 1<<63 - 1, 0x123456789abcdef} {
		if got := Imm(v).ImmValue(); got != v {
			t.Errorf("Imm(%#x).ImmValue() = %#x", v, got)
		}
	}
	if l := L(7); l.Target() != 7 || l.ImmValue() != 7 {
		t.Errorf("L(7): target %d, value %d", l.Target(), l.ImmValue())
	}
}
