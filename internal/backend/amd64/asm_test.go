package amd64

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"
)

func TestBranchRelaxation(t *testing.T) {
	var a Assembler
	top := a.Mark()
	fwd := a.NewLabel()
	far := a.NewLabel()
	a.Emit(Jcc(CondE, fwd))             // short: 2 bytes
	a.Emit(Jmp(far))                    // long: 200 bytes of nops follow
	a.Emit(I(ADD, S32, R(RAX), Imm(1))) // 3 bytes
	a.Bind(fwd)
	a.Nop(200)
	a.Bind(far)
	a.Emit(Jmp(top)) // long backwards
	code, _, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x74, 0x08, 0xE9, 0xCB, 0x00, 0x00, 0x00, 0x83, 0xC0, 0x01}
	if !bytes.Equal(code[:len(want)], want) {
		t.Fatalf("got % x\nwant % x", code[:len(want)], want)
	}
	if off, _ := a.LabelOffset(far); off != 10+200 {
		t.Fatalf("far at %d, want 210", off)
	}
	tail := code[210:215]
	if !bytes.Equal(tail, []byte{0xE9, 0x29, 0xFF, 0xFF, 0xFF}) { // -215
		t.Fatalf("backward jmp % x", tail)
	}
}

func TestConstPoolAndRipRelative(t *testing.T) {
	var a Assembler
	one := a.ConstF64(math.Float64bits(1))
	mask := a.Const128(0x7fffffffffffffff, 0x7fffffffffffffff)
	a.Emit(I(MOVSD, 0, R(XMM0), M(one)))
	a.Emit(I(ANDPD, 0, R(XMM0), M(mask)))
	a.Emit(I(ADDSD, 0, R(XMM0), M(a.ConstF64(math.Float64bits(1))))) // shares the slot
	a.Emit(I(MOVSS, 0, R(XMM1), M(a.ConstF32(math.Float32bits(2)))))
	a.Emit(I(RET, 0))
	code, _, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// 4 instructions of 8, 8, 8, 8 bytes + ret = 33 → pool at 48, 3 slots.
	if len(code) != 48+3*16 {
		t.Fatalf("len %d", len(code))
	}
	for _, c := range code[33:48] {
		if c != 0xCC {
			t.Fatalf("padding % x", code[33:48])
		}
	}
	target := func(instEnd int) int {
		return instEnd + int(int32(binary.LittleEndian.Uint32(code[instEnd-4:])))
	}
	if target(8) != 48 || target(16) != 64 || target(24) != 48 || target(32) != 80 {
		t.Fatalf("rip targets %d %d %d %d", target(8), target(16), target(24), target(32))
	}
	if math.Float64frombits(binary.LittleEndian.Uint64(code[48:])) != 1 ||
		binary.LittleEndian.Uint64(code[64:]) != 0x7fffffffffffffff ||
		math.Float32frombits(binary.LittleEndian.Uint32(code[80:])) != 2 {
		t.Fatalf("pool % x", code[48:])
	}
}

func TestJumpTableAndRelocs(t *testing.T) {
	var a Assembler
	c0, c1 := a.NewLabel(), a.NewLabel()
	table := a.JumpTable([]Label{c0, c1, c0})
	skip := a.NewLabel()
	a.Emit(Jmp(skip)) // short, so everything after moves by 3
	a.Bind(skip)
	a.Emit(I(LEA, S64, R(R11), M(Mem{Base: RIP, Label: table})))
	a.Bind(c0)
	a.Emit(I(CALL, 0, Func(42)))
	after := a.Mark()
	a.Bind(c1)
	a.Emit(I(RET, 0))
	code, relocs, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// jmp(2) lea(7) call(5) ret(1) = 15 → pool/table at 16.
	if len(relocs) != 1 || relocs[0] != (Reloc{Offset: 10, Func: 42, Addend: -4}) {
		t.Fatalf("relocs %+v", relocs)
	}
	if off, _ := a.LabelOffset(after); off != 14 {
		t.Fatalf("return address %d", off)
	}
	if tab, _ := a.LabelOffset(table); tab != 16 || len(code) != 28 {
		t.Fatalf("table at %d, len %d", tab, len(code))
	}
	if d := int32(binary.LittleEndian.Uint32(code[5:])); 9+d != 16 {
		t.Fatalf("lea displacement %d", d)
	}
	for i, want := range []int32{9 - 16, 14 - 16, 9 - 16} {
		if got := int32(binary.LittleEndian.Uint32(code[16+4*i:])); got != want {
			t.Fatalf("table entry %d = %d, want %d", i, got, want)
		}
	}
}

func TestAlign(t *testing.T) {
	var a Assembler
	loop := a.NewLabel()
	a.Emit(I(XOR, S32, R(RAX), R(RAX)))
	a.Align(16)
	a.Bind(loop)
	a.Emit(I(ADD, S32, R(RAX), Imm(1)))
	a.Emit(Jcc(CondNE, loop))
	code, _, err := a.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if off, _ := a.LabelOffset(loop); off != 16 {
		t.Fatalf("loop at %d", off)
	}
	if !bytes.Equal(code[2:16], append(append([]byte{}, nopSeqs[9]...), nopSeqs[5]...)) {
		t.Fatalf("padding % x", code[2:16])
	}
	if !bytes.Equal(code[16:21], []byte{0x83, 0xC0, 0x01, 0x75, 0xFB}) {
		t.Fatalf("loop % x", code[16:21])
	}
}

func TestAssemblerErrors(t *testing.T) {
	bad := []Inst{
		I(MOV, S32, R(RAX), sib(RAX, RSP, 1, 0)),             // rsp as index
		I(MOV, S64, base(RDI, 0), Imm(0x100000000)),          // no imm64 store
		I(ADD, S64, R(RAX), Imm(0x80000000)),                 // imm32 out of range
		I(ADD, S32, R(XMM0), R(RAX)),                         // wrong class
		I(ADDSD, 0, R(RAX), R(XMM0)),                         // wrong class
		I(MOV, S32, R(RAX), M(Mem{Base: RAX, Label: 1})),     // label without rip
		I(MOV, S32, R(RAX), sib(RAX, RCX, 3, 0)),             // bad scale
		I(MOV, S32, R(RIP), R(RAX)),                          // rip as a register
		I(SHL, S32, R(RAX), R(RDX)),                          // count must be cl
		I(MOVSXD, S32, R(RAX), R(RCX)),                       // movsxd is 64-bit
		I(LEA, S64, R(RAX), R(RCX)),                          // lea needs memory
		I(Op(9999), S32, R(RAX)),                             // unknown op
		{Op: ADD, Size: 3, Args: [3]Operand{R(RAX), R(RBX)}}, // bad size
	}
	for _, in := range bad {
		var a Assembler
		a.NewLabel()
		a.Emit(in)
		_, _, err := a.Finish()
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Errorf("%v: got %v, want an EncodeError", in, err)
		} else {
			t.Logf("%v", err)
		}
	}

	var a Assembler
	l := a.NewLabel()
	a.Emit(Jmp(l))
	if _, _, err := a.Finish(); err == nil || !strings.Contains(err.Error(), "never bound") {
		t.Errorf("unbound label: %v", err)
	}
	a = Assembler{}
	l = a.Mark()
	a.Bind(l)
	if _, _, err := a.Finish(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("double bind: %v", err)
	}
	a = Assembler{}
	a.Emit(Jmp(5))
	if _, _, err := a.Finish(); err == nil {
		t.Errorf("unknown label accepted")
	}
}

// TestRelaxationAgainstGNUAs builds random programs of branches and filler
// and requires the same bytes as GNU as, which also picks rel8 wherever the
// displacement fits.
func TestRelaxationAgainstGNUAs(t *testing.T) {
	as, err1 := exec.LookPath("as")
	objdump, err2 := exec.LookPath("objdump")
	if err1 != nil || err2 != nil {
		t.Skip("GNU as/objdump not installed; skipping the cross-check")
	}
	var fill []Inst
	for _, in := range goldenInsts() {
		if !usesLabel(&in) && in.Op != CALL {
			fill = append(fill, in)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()
	for prog := 0; prog < 20; prog++ {
		var a Assembler
		var src strings.Builder
		src.WriteString(".text\nfn:\n")
		labels := make([]Label, 12)
		for i := range labels {
			labels[i] = a.NewLabel()
		}
		bound := make([]bool, len(labels))
		for step := 0; step < 300; step++ {
			switch r := rng.IntN(10); {
			case r == 0:
				i := rng.IntN(len(labels))
				if !bound[i] {
					bound[i] = true
					a.Bind(labels[i])
					fmt.Fprintf(&src, "%s:\n", labelName(labels[i]))
				}
			case r <= 2:
				in := Jmp(labels[rng.IntN(len(labels))])
				if r == 2 {
					in = Jcc(Cond(rng.IntN(16)), labels[rng.IntN(len(labels))])
				}
				a.Emit(in)
				fmt.Fprintf(&src, "\t%s\n", in)
			default:
				in := fill[rng.IntN(len(fill))]
				a.Emit(in)
				fmt.Fprintf(&src, "\t%s\n", in)
			}
		}
		for i, b := range bound {
			if !b {
				a.Bind(labels[i])
				fmt.Fprintf(&src, "%s:\n", labelName(labels[i]))
			}
		}
		end := a.Mark()
		code, _, err := a.Finish()
		if err != nil {
			t.Fatal(err)
		}
		codeLen, _ := a.LabelOffset(end)
		srcPath, objPath := filepath.Join(dir, "p.s"), filepath.Join(dir, "p.o")
		if err := os.WriteFile(srcPath, []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(as, "--64", "-msyntax=intel", "-mnaked-reg", "-o", objPath, srcPath).CombinedOutput(); err != nil {
			t.Fatalf("as: %v\n%s", err, out)
		}
		got, err := objdumpBySymbol(objdump, objPath)
		if err != nil {
			t.Fatal(err)
		}
		if want := formatHex(code[:codeLen]); got["fn"] != want {
			t.Fatalf("program %d differs from GNU as\nas:   %s\nours: %s\nsource:\n%s", prog, got["fn"], want, src.String())
		}
	}
}

func usesLabel(in *Inst) bool {
	for i := 0; i < in.NumArgs(); i++ {
		if o := &in.Args[i]; o.Kind == KindLabel || o.Kind == KindMem && o.Mem.Label != 0 {
			return true
		}
	}
	return false
}

func TestInstIsCompact(t *testing.T) {
	if s := unsafe.Sizeof(Inst{}); s > 80 {
		t.Fatalf("Inst is %d bytes", s)
	}
}

// BenchmarkEmit measures encoding throughput on a mix of everyday forms.
func BenchmarkEmit(b *testing.B) {
	mix := []Inst{
		I(MOV, S64, R(RAX), base(RDI, 16)), I(ADD, S32, R(RAX), R(RCX)), I(ADD, S64, R(R9), Imm(8)),
		I(CMP, S32, R(RAX), base(R14, 0x40)), I(MOV, S32, sib(R15, RAX, 1, 4), R(RDX)),
		I(LEA, S64, R(RAX), sib(RDI, RCX, 4, 16)), I(SHL, S64, R(RAX), Imm(3)), I(IMUL, S32, R(RAX), R(RBX)),
		I(MOVSD, 0, R(XMM0), base(RSP, 8)), I(ADDSD, 0, R(XMM0), R(XMM1)), I(MOVZX8, S32, R(RAX), R(RSI)),
	}
	b.ReportAllocs()
	for b.Loop() {
		var a Assembler
		loop := a.Mark()
		for i := 0; i < 100; i++ {
			for _, in := range mix {
				a.Emit(in)
			}
			a.Emit(Jcc(CondNE, loop))
		}
		if _, _, err := a.Finish(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(100 * int64(len(mix)+1))
}

func TestListingAndEncodable(t *testing.T) {
	var sb strings.Builder
	a := Assembler{Listing: &sb}
	top := a.Mark()
	a.Emit(I(SUB, S64, R(RSP), Imm(16)))
	a.Align(16)
	a.Emit(Jcc(CondNE, top))
	a.Nop(3)
	want := ".L1:\n\tsub rsp, 16\n\t.p2align 4\n\tjne .L1\n\t.nops 3\n"
	if sb.String() != want {
		t.Fatalf("listing:\n%s\nwant:\n%s", sb.String(), want)
	}
	if !Encodable(I(ADD, S64, R(RAX), Imm(-5))) || Encodable(I(ADD, S64, R(RAX), Imm(1<<40))) ||
		Encodable(I(MOV, S32, R(RAX), sib(RAX, RSP, 1, 0))) {
		t.Fatal("Encodable disagrees with Encode")
	}
}

// TestBranchTargetsWithAlignment builds random programs with branches,
// alignment points, nops and constants, and checks with objdump that every
// branch lands on its label's final offset, that alignment holds, and that
// the code decodes at our boundaries.
func TestBranchTargetsWithAlignment(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("objdump not installed; skipping")
	}
	var fill []Inst
	for _, in := range randomValidInsts(2000, 3) {
		if in.Op != JMP && in.Op != CALL {
			fill = append(fill, in)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	dir := t.TempDir()
	for prog := 0; prog < 30; prog++ {
		var a Assembler
		a.LongBranches = prog%5 == 4
		labels := make([]Label, 10)
		for i := range labels {
			labels[i] = a.NewLabel()
		}
		aligned := map[Label]int{}
		var pending []Label
		branches := 0
		for step := 0; step < 400; step++ {
			switch r := rng.IntN(20); {
			case r == 0 && len(pending) < len(labels):
				n := 1 << (1 + rng.IntN(5))
				a.Align(n)
				l := labels[len(pending)]
				a.Bind(l)
				aligned[l] = n
				pending = append(pending, l)
			case r == 1 && len(pending) < len(labels):
				a.Bind(labels[len(pending)])
				pending = append(pending, labels[len(pending)])
			case r <= 5:
				l := labels[rng.IntN(len(labels))]
				if rng.IntN(2) == 0 {
					a.Emit(Jmp(l))
				} else {
					a.Emit(Jcc(Cond(rng.IntN(16)), l))
				}
				branches++
			case r == 6:
				a.Nop(1 + rng.IntN(20))
			case r == 7:
				a.Emit(I(MOVSD, 0, R(XMM0), M(a.ConstF64(uint64(rng.IntN(4))))))
			default:
				a.Emit(fill[rng.IntN(len(fill))])
			}
		}
		for len(pending) < len(labels) {
			a.Bind(labels[len(pending)])
			pending = append(pending, labels[len(pending)])
		}
		end := a.Mark()
		code, _, err := a.Finish()
		if err != nil {
			t.Fatal(err)
		}
		codeLen, _ := a.LabelOffset(end)
		offsets := map[int]bool{}
		for _, l := range labels {
			off, _ := a.LabelOffset(l)
			offsets[off] = true
			if n := aligned[l]; n != 0 && off%n != 0 {
				t.Fatalf("label at %d not aligned to %d", off, n)
			}
		}
		path := filepath.Join(dir, "p.bin")
		if err := os.WriteFile(path, code[:codeLen], 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(objdump, "-D", "-z", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
			"--insn-width=16", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "(bad)") {
				t.Fatalf("undecodable: %s", line)
			}
			f := strings.Split(line, "\t")
			if len(f) < 3 || !strings.HasPrefix(f[2], "j") || strings.Contains(f[2], "[") || strings.Contains(f[2], "jmp    r") {
				continue
			}
			var target int
			if _, err := fmt.Sscanf(f[2][strings.LastIndex(f[2], " ")+1:], "0x%x", &target); err != nil {
				t.Fatalf("cannot read branch target in %q", line)
			}
			if !offsets[target] {
				t.Fatalf("program %d: %q branches to %#x, which is no label", prog, line, target)
			}
			seen++
		}
		if seen != branches {
			t.Fatalf("program %d: objdump shows %d branches, we emitted %d", prog, seen, branches)
		}
	}
}

func TestTailJumpReloc(t *testing.T) {
	var a Assembler
	a.Emit(I(ADD, S64, R(RSP), Imm(8)))
	a.Emit(I(JMP, 0, Func(9)))
	code, relocs, err := a.Finish()
	if err != nil || len(relocs) != 1 || relocs[0] != (Reloc{Offset: 5, Func: 9, Addend: -4}) || code[4] != 0xE9 {
		t.Fatalf("% x %+v %v", code, relocs, err)
	}
}
