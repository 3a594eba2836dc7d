package amd64

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instFromBytes turns fuzz input into an arbitrary (mostly invalid) Inst:
// any op, size, register number, scale or immediate, including values that
// are out of range for their type.
func instFromBytes(b []byte) Inst {
	next := func() byte {
		if len(b) == 0 {
			return 0
		}
		c := b[0]
		b = b[1:]
		return c
	}
	next32 := func() uint32 {
		return uint32(next()) | uint32(next())<<8 | uint32(next())<<16 | uint32(next())<<24
	}
	op := Op(next()) | Op(next())<<8
	in := Inst{Op: op % (numOps + 2), Size: Size(next() % 20), Cond: Cond(next())}
	nargs := int(next() % 5)
	if nargs == 4 {
		nargs = 3
		in.Arg4 = Arg4{Kind: OperandKind(next() % 4), Reg: Reg(next() % (byte(numRegs) + 3)), Imm: next()}
		if next()&1 == 0 {
			in.Arg4.Kind = kindInvalid
		}
	}
	for i := 0; i < nargs; i++ {
		o := &in.Args[i]
		o.Kind = OperandKind(next() % 7)
		switch o.Kind {
		case KindReg:
			o.Reg = Reg(next() % (byte(numRegs) + 3))
		case KindMem:
			o.Mem = Mem{Base: Reg(next() % (byte(numRegs) + 3)), Index: Reg(next() % (byte(numRegs) + 3)),
				Scale: next() % 10, Disp: int32(next32()), Label: Label(next() % 4)}
		case KindImm, KindFunc:
			v := int64(uint64(next32()) | uint64(next32())<<32)
			if next()&1 == 0 {
				v = int64(int8(v))
			}
			*o = immOperand(o.Kind, v)
		case KindLabel:
			*o = immOperand(KindLabel, int64(next()%4))
		}
	}
	return in
}

// FuzzEncode: no Inst panics the encoder, the printer or the assembler;
// whatever encodes is 1..15 bytes, deterministic, position independent
// apart from its label fields, and prints.
func FuzzEncode(f *testing.F) {
	op := func(o Op) []byte { return []byte{byte(o), byte(o >> 8)} }
	seed := func(o Op, rest ...byte) []byte { return append(op(o), rest...) }
	f.Add(seed(ADD, 8, 0, 2, 1, 1, 1, 2))
	f.Add(seed(MOV, 8, 0, 2, 2, 5, 13, 3, 0x10, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1))
	f.Add(seed(JCC, 0, 4, 1, 4, 1))
	f.Add(seed(ROUNDSD, 0, 0, 3, 1, 17, 2, 33, 0, 0, 0, 0, 0, 3, 9, 0, 0, 0, 0, 0, 0, 0, 1))
	f.Add(seed(VPADDB, 0, 0, 3, 1, 20, 1, 30, 2, 9, 0, 0, 0, 0, 3, 9, 0, 0, 0, 0, 0, 0, 0, 1))
	f.Add(seed(VSHUFPS, 0, 0, 4, 2, 3, 1, 18, 1, 30, 1, 26, 3))
	f.Add(seed(VPBLENDVB, 0, 0, 4, 1, 30, 1, 20, 2, 9, 12, 0, 0, 0, 0, 3, 9, 0, 0, 0, 0, 0, 0, 0, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		in := instFromBytes(data)
		text := in.String()
		code, err := Encode(in)
		if err != nil {
			if _, ok := err.(*EncodeError); !ok {
				t.Fatalf("%s: error of type %T", text, err)
			}
			_ = err.Error()
			return
		}
		if len(code) < 1 || len(code) > maxInstLen {
			t.Fatalf("%s: %d bytes", text, len(code))
		}
		again, _ := Encode(in)
		if !bytes.Equal(code, again) {
			t.Fatalf("%s: not deterministic", text)
		}
		if text == "" || strings.Contains(text, "badreg") || strings.Contains(text, "(badop)") {
			t.Fatalf("encodable instruction prints as %q", text)
		}
		// In an assembler, after other code and with labels bound, the bytes
		// are the same except for displacement fields.
		var a Assembler
		for i := 0; i < 3; i++ {
			a.NewLabel()
		}
		a.Bind(1)
		a.Emit(I(NOP, 0))
		a.Emit(in)
		a.Bind(2)
		a.Bind(3)
		out, _, err := a.Finish()
		if err != nil {
			if !usesLabel(&in) {
				t.Fatalf("%s: assembler: %v", text, err)
			}
			return
		}
		if !usesLabel(&in) && in.Op != CALL && !bytes.Equal(out[1:1+len(code)], code) {
			t.Fatalf("%s: assembler gives % x, Encode % x", text, out[1:1+len(code)], code)
		}
	})
}

// randomValidInsts builds n random instructions that some form accepts: it
// picks an op and one of its forms, then random operands of the kinds and a
// size the form allows. They cover far more register, addressing and
// immediate combinations than the golden table.
func randomValidInsts(n int, seed uint64) []Inst {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	gpr := func() Reg { return RAX + Reg(rng.IntN(16)) }
	xmm := func() Reg { return XMM0 + Reg(rng.IntN(16)) }
	mem := func() Mem {
		var m Mem
		switch rng.IntN(8) {
		case 0:
			m.Base = RIP
		case 1:
			m.Base = NoReg
		default:
			m.Base = gpr()
		}
		if m.Base != RIP && rng.IntN(2) == 0 {
			for m.Index = gpr(); m.Index == RSP; m.Index = gpr() {
			}
			m.Scale = []uint8{1, 2, 4, 8}[rng.IntN(4)]
		}
		switch rng.IntN(4) {
		case 1:
			m.Disp = int32(rng.IntN(256) - 128)
		case 2:
			m.Disp = int32(rng.Uint32())
		case 3:
			m.Disp = int32(rng.IntN(512) - 256)
		}
		return m
	}
	imm := func() int64 {
		switch rng.IntN(5) {
		case 0:
			return int64(rng.IntN(256) - 128)
		case 1:
			return int64(rng.IntN(256))
		case 2:
			return int64(int32(rng.Uint32()))
		case 3:
			return int64(rng.Uint32())
		}
		return int64(rng.Uint64())
	}
	var res []Inst
	for len(res) < n {
		op := Op(1 + rng.IntN(int(numOps)-1))
		forms := formsByOp[op]
		if len(forms) == 0 {
			continue
		}
		f := &forms[rng.IntN(len(forms))]
		in := Inst{Op: op, Cond: Cond(rng.IntN(16))}
		var args [4]Operand
		var sizes []Size
		for _, s := range []Size{0, S8, S16, S32, S64} {
			if f.sizes&sizeBit(s) != 0 {
				sizes = append(sizes, s)
			}
		}
		in.Size = sizes[rng.IntN(len(sizes))]
		for i := 0; i < int(f.nargs); i++ {
			o := &args[i]
			switch f.args[i] {
			case argR:
				*o = R(gpr())
			case argRM:
				if rng.IntN(2) == 0 {
					*o = R(gpr())
				} else {
					*o = M(mem())
				}
			case argX:
				*o = R(xmm())
			case argXM:
				if rng.IntN(2) == 0 {
					*o = R(xmm())
				} else {
					*o = M(mem())
				}
			case argM:
				*o = M(mem())
			case argAcc:
				*o = R(RAX)
			case argCL:
				*o = R(RCX)
			case argXMM0:
				*o = R(XMM0)
			case argOne:
				*o = Imm(1)
			case argFunc:
				*o = Func(uint32(rng.IntN(100)))
			case argLabel:
				*o = L(1)
			default:
				*o = Imm(imm())
			}
		}
		copy(in.Args[:], args[:])
		if f.nargs == 4 {
			in.Arg4 = arg4Of(args[3])
		}
		if usesLabel(&in) {
			continue
		}
		if _, err := Encode(in); err == nil {
			res = append(res, in)
		}
	}
	return res
}

// TestLengthsAgainstObjdump encodes thousands of random valid instructions
// back to back and requires objdump to find exactly our instruction
// boundaries, with no undecodable bytes. It also checks the lengths are
// what Encode reports when the instruction is emitted on its own.
func TestLengthsAgainstObjdump(t *testing.T) {
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("objdump not installed; skipping the length cross-check")
	}
	insts := randomValidInsts(12000, 7)
	var blob []byte
	starts := map[int]Inst{}
	for _, in := range insts {
		code, _ := Encode(in)
		starts[len(blob)] = in
		blob = append(blob, code...)
	}
	path := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(path, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(objdump, "-D", "-z", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
		"--insn-width=16", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	lineRE := regexp.MustCompile(`^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$`)
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var off int
		for _, c := range m[1] {
			off = off*16 + strings.IndexRune("0123456789abcdef", c)
		}
		in, ok := starts[off]
		if !ok {
			t.Fatalf("objdump sees an instruction at %#x (%s) inside one of ours", off, m[3])
		}
		if strings.Contains(m[3], "(bad)") {
			t.Fatalf("objdump cannot decode our %s: %s", in, m[2])
		}
		seen++
	}
	if seen != len(insts) {
		t.Fatalf("objdump found %d instructions, we emitted %d", seen, len(insts))
	}
	t.Logf("%d random instructions (%d bytes) decode with our boundaries", seen, len(blob))
}

// TestRandomAgainstGNUAs assembles random valid instructions' text with GNU
// as and compares bytes: it checks the printer and the encoder agree with as
// well beyond the golden table.
func TestRandomAgainstGNUAs(t *testing.T) {
	as, err1 := exec.LookPath("as")
	objdump, err2 := exec.LookPath("objdump")
	if err1 != nil || err2 != nil {
		t.Skip("GNU as/objdump not installed; skipping the cross-check")
	}
	insts := randomValidInsts(12000, 11) // about a fifth general-purpose
	var src strings.Builder
	src.WriteString(".text\n")
	for i, in := range insts {
		text := in.String()
		if in.Op == CALL && in.Args[0].Kind == KindFunc {
			text = "call fn"
		}
		src.WriteString("g" + itoa(i) + ":\n\t" + text + "\n")
	}
	dir := t.TempDir()
	srcPath, objPath := filepath.Join(dir, "r.s"), filepath.Join(dir, "r.o")
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
	bad := 0
	for i, in := range insts {
		code, _ := Encode(in)
		if want := formatHex(code); got["g"+itoa(i)] != want {
			t.Errorf("%-44s as: %-30s ours: %s", in, got["g"+itoa(i)], want)
			if bad++; bad > 30 {
				t.FailNow()
			}
		}
	}
	t.Logf("%d random instructions agree with GNU as, e.g. %s", len(insts), insts[0])
}

func itoa(i int) string { return strconv.Itoa(i) }
