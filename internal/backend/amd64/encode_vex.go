package amd64

import (
	"fmt"
	"strconv"
	"strings"
)

// vexForm is the VEX part of a form (AVX and AVX2 instructions): the opcode
// map and the operands that live in VEX.vvvv and in imm8[7:4]. The
// implied-prefix (pp) is the form's prefix and VEX.W is its w (wAlways for
// W1); VEX.L is 0 except for the few 256-bit moves (memory.copy's blocks).
type vexForm struct {
	m        byte // opcode map: 1 = 0F, 2 = 0F 38, 3 = 0F 3A; 0 for a legacy form
	l256     bool // VEX.L = 1: the 256-bit (ymm) form
	vvvvArg  int8 // operand in VEX.vvvv, or -1
	is4Arg   int8 // register operand in imm8[7:4], or -1
	is4      bool
	swapOp   byte // for register-only operands: the opcode of the reverse-direction form, or 0
	swapPref byte // and its implied prefix if it differs, or 0
}

// parsePrefix reads the Intel manual's "VEX.128.66.0F38.W0": length (128,
// 256, LIG or LZ), implied prefix (none, 66, F2 or F3), map and W (W0, W1, WIG).
func (v *vexForm) parsePrefix(t string, f *form) error {
	parts := strings.Split(t, ".")[1:]
	if len(parts) < 3 || len(parts) > 4 {
		return fmt.Errorf("bad VEX prefix %q", t)
	}
	switch parts[0] {
	case "128", "LIG", "LZ", "L0":
	case "256":
		v.l256 = true
	default:
		return fmt.Errorf("bad VEX length %q", t)
	}
	parts = parts[1:]
	if len(parts) == 3 {
		switch parts[0] {
		case "66":
			f.prefix = 0x66
		case "F2":
			f.prefix = 0xF2
		case "F3":
			f.prefix = 0xF3
		default:
			return fmt.Errorf("bad VEX implied prefix %q", t)
		}
		parts = parts[1:]
	}
	switch parts[0] {
	case "0F":
		v.m = 1
	case "0F38":
		v.m = 2
	case "0F3A":
		v.m = 3
	default:
		return fmt.Errorf("bad VEX map %q", t)
	}
	switch parts[1] {
	case "W0", "WIG":
	case "W1":
		f.w = wAlways
	default:
		return fmt.Errorf("bad VEX.W %q", t)
	}
	return nil
}

// parseSwap reads "swap=29" or "swap=66.D6": the opcode (and implied
// prefix) of the same instruction with ModRM.reg and ModRM.rm exchanged.
// GNU as swaps register-only moves into it when that lets the 2-byte VEX
// prefix encode them (the source in xmm8..15, the destination not), and so
// do we, to stay byte-identical and one byte shorter.
func (v *vexForm) parseSwap(t string) error {
	spec := strings.TrimPrefix(t, "swap=")
	if pp, op, ok := strings.Cut(spec, "."); ok {
		b, err := strconv.ParseUint(pp, 16, 8)
		if err != nil {
			return fmt.Errorf("bad swap prefix %q", t)
		}
		v.swapPref = byte(b)
		spec = op
	}
	b, err := strconv.ParseUint(spec, 16, 8)
	if err != nil || b == 0 {
		return fmt.Errorf("bad swap opcode %q", t)
	}
	v.swapOp = byte(b)
	return nil
}

// vexRoles places a VEX form's operands, which appear in the Intel manual's
// order: ModRM.reg, VEX.vvvv, ModRM.rm, imm8[7:4] ("RVMR"); a store lists
// rm first ("MR"), and a /digit form has vvvv, rm ("VMI"). The r/m operand
// is the one that may be memory, or else the last plain register.
func (f *form) vexRoles(modrm bool) error {
	f.vex.vvvvArg, f.vex.is4Arg = -1, -1
	if !modrm || f.oplen != 1 {
		return fmt.Errorf("a VEX form needs one opcode byte and a ModRM byte")
	}
	plain := func(i int) bool { return f.args[i] == argR || f.args[i] == argX }
	f.rmArg = f.find(argRM, argXM, argM)
	if f.rmArg < 0 {
		for i := int(f.nargs) - 1; i >= 0; i-- {
			if plain(i) {
				f.rmArg = int8(i)
				break
			}
		}
	}
	f.regArg = -1
	for i := 0; i < int(f.nargs); i++ {
		switch {
		case !plain(i) || int8(i) == f.rmArg:
		case f.digit < 0 && f.regArg < 0:
			f.regArg = int8(i)
		case f.vex.vvvvArg < 0:
			f.vex.vvvvArg = int8(i)
		case f.vex.is4 && f.vex.is4Arg < 0:
			f.vex.is4Arg = int8(i)
		default:
			return fmt.Errorf("too many register operands for VEX")
		}
	}
	switch {
	case f.rmArg < 0 || f.digit < 0 && f.regArg < 0:
		return fmt.Errorf("a VEX form needs a reg and an r/m operand")
	case f.rmArg > 2 || f.regArg > 2 || f.vex.vvvvArg > 2:
		return fmt.Errorf("the fourth operand can only be an immediate or is4")
	case f.vex.is4 != (f.vex.is4Arg >= 0):
		return fmt.Errorf("is4 needs a fourth register operand")
	case f.vex.swapOp != 0 && (f.digit >= 0 || f.vex.m != 1 || f.w == wAlways):
		return fmt.Errorf("swap only applies to W0 /r forms of map 0F")
	}
	return nil
}

// encodeVEX encodes an instruction of a VEX form: the 2-byte prefix C5 when
// the form is in map 0F with W0 and neither X nor B is needed, else the
// 3-byte C4 prefix; then opcode, ModRM/SIB/displacement and an imm8 (an
// immediate or, for is4, the fourth register in bits 7:4).
func encodeVEX(buf *[maxInstLen]byte, in *Inst, f *form, rm *Operand) encoded {
	e := encoded{relAt: -1, ripAt: -1}
	n := 0
	put := func(b byte) { buf[n] = b; n++ }

	var reg byte // ModRM.reg: a register number (4 bits) or the /digit
	if f.regArg >= 0 {
		reg = in.Args[f.regArg].Reg.num()
	} else {
		reg = byte(f.digit)
	}
	var vvvv byte
	if f.vex.vvvvArg >= 0 {
		vvvv = in.operand(f.vex.vvvvArg).Reg.num()
	}
	opcode, pp := f.opcode[0], f.prefix
	var x, b byte // the REX.X and REX.B the r/m operand needs
	if rm.Kind == KindReg {
		b = rm.Reg.high()
	} else {
		x, b = rm.Mem.Index.high(), rm.Mem.Base.high()
	}
	if f.vex.swapOp != 0 && rm.Kind == KindReg && b == 1 && reg < 8 {
		// rm's high register moves to ModRM.reg, where the 2-byte prefix's R
		// can reach it.
		opcode = f.vex.swapOp
		if f.vex.swapPref != 0 {
			pp = f.vex.swapPref
		}
		reg, b = rm.Reg.num(), 0
		rm = &in.Args[f.regArg]
	}
	w := f.w == wAlways
	tail := (^vvvv&15)<<3 | vexPP(pp) // vvvv (inverted), L, pp
	if f.vex.l256 {
		tail |= 1 << 2
	}
	r := reg >> 3
	if f.vex.m == 1 && !w && x == 0 && b == 0 {
		put(0xC5)
		put((r^1)<<7 | tail)
	} else {
		put(0xC4)
		put((r^1)<<7 | (x^1)<<6 | (b^1)<<5 | f.vex.m)
		var wBit byte
		if w {
			wBit = 0x80
		}
		put(wBit | tail)
	}
	e.opcodes = n
	put(opcode)
	if rm.Kind == KindReg {
		put(0xC0 | (reg&7)<<3 | rm.Reg.low3())
	} else {
		n = putMem(buf, n, reg&7, &rm.Mem, &e)
	}
	switch {
	case f.vex.is4Arg >= 0:
		put(in.operand(f.vex.is4Arg).Reg.num() << 4)
	case f.immArg >= 0:
		put(byte(in.operand(f.immArg).ImmValue()))
	}
	e.n = n
	return e
}

// vexPP is the 2-bit VEX.pp field for an implied prefix.
func vexPP(prefix byte) byte {
	switch prefix {
	case 0x66:
		return 1
	case 0xF3:
		return 2
	case 0xF2:
		return 3
	}
	return 0
}

// operand is operand i in Intel order, the fourth being Arg4.
func (in *Inst) operand(i int8) Operand {
	if i == 3 {
		return in.Arg4.Operand()
	}
	return in.Args[i]
}
