package amd64

import (
	"fmt"
	"strconv"
	"strings"
)

// A form is one encoding of an Op, parsed from a row of the tables in
// encode_table_*.go. Encoding an Inst picks the first form of its Op whose
// size set and operand pattern accept it, so rows are listed shortest and
// most specific first.
type form struct {
	sizes    sizeSet
	nargs    uint8
	args     [4]argKind
	widths   [4]Size // operand width for printing and byte-register REX; 0 = Inst.Size
	byteArg  bool    // some operand is a byte whatever Inst.Size (a widths entry is S8)
	prefix   byte    // mandatory prefix 0x66, 0xF2 or 0xF3, or 0
	opcode   [3]byte
	oplen    uint8
	w        wMode
	imm      immWidth
	cond     bool // the condition is added to the last opcode byte
	regArg   int8 // operand in ModRM.reg, or -1
	rmArg    int8 // operand in ModRM.rm, or -1
	opRegArg int8 // operand added to the last opcode byte, or -1
	immArg   int8 // operand encoded as the immediate, or -1
	relArg   int8 // operand encoded as a 32-bit relative displacement, or -1
	digit    int8 // ModRM.reg opcode extension when regArg < 0
	vex      vexForm
}

// argKind is what an operand slot of a form accepts.
type argKind uint8

const (
	argNone  argKind = iota
	argR             // general-purpose register
	argRM            // general-purpose register or memory
	argX             // XMM register
	argXM            // XMM register or memory
	argM             // memory only
	argAcc           // RAX (al/ax/eax/rax), for the short accumulator forms
	argCL            // RCX as a shift count, printed cl
	argImm8          // immediate whose value at the operand size fits a signed byte
	argU8            // 8-bit immediate taken as is: shift counts, rounding modes
	argU16           // 16-bit unsigned immediate (ret n)
	argImm           // immediate that fits the operand size (at most 32 bits, sign-extended)
	argImm64         // any immediate (movabs)
	argOne           // the immediate 1 (the short shift-by-one forms)
	argLabel         // a label (branch target)
	argFunc          // a function index (call through a relocation)
	argXMM0          // XMM0 as an implicit operand (pblendvb, blendvps), encoded nowhere
)

var argKindNames = map[string]argKind{
	"r": argR, "rm": argRM, "x": argX, "xm": argXM, "m": argM, "acc": argAcc, "cl": argCL,
	"imm8": argImm8, "u8": argU8, "u16": argU16, "imm": argImm, "imm64": argImm64, "1": argOne,
	"rel": argLabel, "fn": argFunc, "xmm0": argXMM0,
}

// wMode says when the form sets REX.W (and, with wSize, when it takes 0x66).
type wMode uint8

const (
	wNever  wMode = iota
	wSize         // REX.W for Size S64, prefix 0x66 for Size S16
	wAlways       // REX.W always
)

// immWidth is the number of immediate bytes; immZ is 2 for S16 else 4.
type immWidth uint8

const immZ immWidth = 0xff

// sizeSet is a set of Inst.Size values a form accepts.
type sizeSet uint8

const (
	s0   sizeSet = 1 << iota // Size left zero
	s8                       // S8
	s16                      // S16
	s32                      // S32
	s64                      // S64
	s128                     // S128

	sW     = s16 | s32 | s64 // the sizes of the 16/32/64-bit opcodes
	sDQ    = s32 | s64
	sAny   = 0xff     // the form ignores Size
	sDef64 = s0 | s64 // default-64-bit instructions (push, pop, indirect jmp/call)
)

func sizeBit(s Size) sizeSet {
	switch s {
	case 0:
		return s0
	case S8:
		return s8
	case S16:
		return s16
	case S32:
		return s32
	case S64:
		return s64
	case S128:
		return s128
	}
	return 0
}

// row is one line of an encoding table, in the notation of the Intel manual:
// enc lists an optional "W" (REX.W for 64-bit operands, 0x66 for 16-bit) or
// "REX.W" (always), an optional mandatory prefix, the opcode bytes ("+r"
// adds a register, "+cc" the condition), then "/r" or "/digit" and an
// immediate ("ib", "iw", "id", "iz", "io") or "cd" (rel32). args lists the
// operand pattern, each optionally with a width ("xm/64", "rm/8", "m/-" for
// no width).
type row struct {
	op    Op
	sizes sizeSet
	enc   string
	args  string
}

// formsByOp holds every Op's forms in table order.
var formsByOp [numOps][]form

func init() {
	for _, table := range [][]row{intRows, ctrlRows, sseRows, simdRows, avxRows} {
		for _, r := range table {
			f, err := parseRow(r)
			if err != nil {
				// The tables are constants of this package; a test covers them.
				panic(fmt.Sprintf("amd64: bad encoding row %v %q %q: %v", r.op, r.enc, r.args, err))
			}
			formsByOp[r.op] = append(formsByOp[r.op], f)
		}
	}
}

func parseRow(r row) (form, error) {
	f := form{sizes: r.sizes, regArg: -1, rmArg: -1, opRegArg: -1, immArg: -1, relArg: -1, digit: -1}
	if strings.TrimSpace(r.args) != "" {
		for i, a := range strings.Split(r.args, ",") {
			if i >= 4 {
				return f, fmt.Errorf("more than 4 operands")
			}
			a = strings.TrimSpace(a)
			name, width, hasWidth := strings.Cut(a, "/")
			k, ok := argKindNames[name]
			if !ok {
				return f, fmt.Errorf("unknown operand %q", a)
			}
			f.args[i] = k
			if hasWidth {
				switch width {
				case "8":
					f.widths[i] = S8
					f.byteArg = true
				case "16":
					f.widths[i] = S16
				case "32":
					f.widths[i] = S32
				case "64":
					f.widths[i] = S64
				case "128":
					f.widths[i] = S128
				case "256":
					f.widths[i] = S256
				case "-":
					f.widths[i] = sizeUnsized
				default:
					return f, fmt.Errorf("bad width %q", a)
				}
			}
			f.nargs++
		}
	}
	modrm := false
	toks := strings.Fields(r.enc)
	for i, t := range toks {
		switch {
		case strings.HasPrefix(t, "VEX."):
			if err := f.vex.parsePrefix(t, &f); err != nil {
				return f, err
			}
		case strings.HasPrefix(t, "swap="):
			if err := f.vex.parseSwap(t); err != nil {
				return f, err
			}
		case t == "is4":
			f.vex.is4 = true
		case t == "W":
			f.w = wSize
		case t == "REX.W":
			f.w = wAlways
		case t == "/r":
			modrm = true
		case len(t) == 2 && t[0] == '/' && t[1] >= '0' && t[1] <= '7':
			modrm = true
			f.digit = int8(t[1] - '0')
		case t == "ib":
			f.imm = 1
		case t == "iw":
			f.imm = 2
		case t == "id":
			f.imm = 4
		case t == "io":
			f.imm = 8
		case t == "iz":
			f.imm = immZ
		case t == "cd":
			f.relArg = f.find(argLabel, argFunc)
			if f.relArg < 0 {
				return f, fmt.Errorf("cd without a rel/fn operand")
			}
		default:
			hex, suffix, _ := strings.Cut(t, "+")
			if !isHexByte(t) {
				return f, fmt.Errorf("bad token %q", t)
			}
			v, _ := strconv.ParseUint(hex, 16, 8)
			b := byte(v)
			isPrefix := f.oplen == 0 && f.prefix == 0 && f.vex.m == 0 && (b == 0x66 || b == 0xF2 || b == 0xF3) &&
				i+1 < len(toks) && isHexByte(toks[i+1])
			if isPrefix {
				f.prefix = b
				continue
			}
			if f.oplen == 3 {
				return f, fmt.Errorf("more than 3 opcode bytes")
			}
			f.opcode[f.oplen] = b
			f.oplen++
			switch suffix {
			case "":
			case "r":
				f.opRegArg = f.find(argR, argAcc)
			case "cc":
				f.cond = true
			default:
				return f, fmt.Errorf("bad opcode suffix %q", t)
			}
		}
	}
	if f.oplen == 0 {
		return f, fmt.Errorf("no opcode")
	}
	if modrm {
		f.rmArg = f.find(argRM, argXM, argM)
		if f.digit < 0 {
			// "/r": the r/m-capable operand goes in rm, the other register in reg;
			// with two plain registers the first is reg (movhlps, pextrw).
			for i := 0; i < int(f.nargs); i++ {
				if k := f.args[i]; (k == argR || k == argX) && int8(i) != f.rmArg {
					if f.regArg < 0 {
						f.regArg = int8(i)
					} else if f.rmArg < 0 {
						f.rmArg = int8(i)
					}
				}
			}
			if f.regArg < 0 || f.rmArg < 0 {
				return f, fmt.Errorf("/r needs a reg and an r/m operand")
			}
		} else if f.rmArg < 0 {
			f.rmArg = f.find(argR, argX)
			if f.rmArg < 0 {
				return f, fmt.Errorf("/digit without an r/m operand")
			}
		}
	}
	if f.vex.m != 0 {
		if err := f.vexRoles(modrm); err != nil {
			return f, err
		}
	} else if f.nargs > 3 {
		return f, fmt.Errorf("only VEX forms take a fourth operand")
	}
	if f.imm != 0 {
		f.immArg = f.find(argImm8, argU8, argU16, argImm, argImm64)
		if f.immArg < 0 {
			return f, fmt.Errorf("immediate without an imm operand")
		}
	}
	return f, nil
}

func isHexByte(t string) bool {
	hex, _, _ := strings.Cut(t, "+")
	if len(hex) != 2 {
		return false
	}
	for _, c := range hex {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (f *form) find(kinds ...argKind) int8 {
	for i := 0; i < int(f.nargs); i++ {
		for _, k := range kinds {
			if f.args[i] == k {
				return int8(i)
			}
		}
	}
	return -1
}

// width is the width of operand i under this form.
func (f *form) width(in *Inst, i int) Size {
	if w := f.widths[i]; w != 0 {
		return w
	}
	return in.Size
}

// lookupSlow is lookup by form.accepts, one operand at a time.
func lookupSlow(in *Inst) *form {
	forms := formsByOp[in.Op]
	for i := range forms {
		if forms[i].accepts(in) {
			return &forms[i]
		}
	}
	return nil
}

// argMask is a set of argKinds.
type argMask uint32

func (f *form) accepts(in *Inst) bool {
	if f.sizes&sizeBit(in.Size) == 0 {
		return false
	}
	n := in.NumArgs()
	if in.Arg4.Kind != KindNone {
		if n != 3 {
			return false
		}
		n = 4
	}
	if n != int(f.nargs) {
		return false
	}
	for i := 0; i < n && i < 3; i++ {
		if !f.args[i].accepts(&in.Args[i], in.Size) {
			return false
		}
	}
	if n == 4 {
		o := in.Arg4.Operand()
		return f.args[3].accepts(&o, in.Size)
	}
	return true
}

func (k argKind) accepts(o *Operand, size Size) bool {
	switch k {
	case argR:
		return o.Kind == KindReg && o.Reg.IsGPR()
	case argRM:
		return o.Kind == KindReg && o.Reg.IsGPR() || o.Kind == KindMem
	case argX:
		return o.Kind == KindReg && o.Reg.IsXMM()
	case argXM:
		return o.Kind == KindReg && o.Reg.IsXMM() || o.Kind == KindMem
	case argM:
		return o.Kind == KindMem
	case argAcc:
		return o.Kind == KindReg && o.Reg == RAX
	case argCL:
		return o.Kind == KindReg && o.Reg == RCX
	case argImm8:
		v, ok := truncImm(o, size)
		return ok && v >= -128 && v <= 127
	case argU8:
		return o.Kind == KindImm && o.ImmValue() >= -128 && o.ImmValue() <= 255
	case argU16:
		return o.Kind == KindImm && o.ImmValue() >= 0 && o.ImmValue() <= 0xffff
	case argImm:
		v, ok := truncImm(o, size)
		return ok && v >= -1<<31 && v < 1<<31
	case argImm64:
		return o.Kind == KindImm
	case argOne:
		return o.Kind == KindImm && o.ImmValue() == 1
	case argXMM0:
		return o.Kind == KindReg && o.Reg == XMM0
	case argLabel:
		return o.Kind == KindLabel && o.Target() != 0
	case argFunc:
		return o.Kind == KindFunc && o.ImmValue() >= 0 && o.ImmValue() <= 1<<32-1
	}
	return false
}

// truncImm is the immediate as the instruction sees it: truncated to the
// operand size and sign-extended. Values outside both the signed and the
// unsigned range of the size are rejected rather than silently cut.
func truncImm(o *Operand, size Size) (int64, bool) {
	if o.Kind != KindImm {
		return 0, false
	}
	v := o.ImmValue()
	switch size {
	case S8:
		return int64(int8(v)), v >= -1<<7 && v < 1<<8
	case S16:
		return int64(int16(v)), v >= -1<<15 && v < 1<<16
	case S32:
		return int64(int32(v)), v >= -1<<31 && v < 1<<32
	}
	return v, true
}
