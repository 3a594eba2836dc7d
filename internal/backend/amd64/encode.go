package amd64

import "encoding/binary"

// maxInstLen is the architectural limit on an instruction's length.
const maxInstLen = 15

// encoded describes where the parts of an instruction that the assembler
// patches later sit, as offsets from the instruction's first byte.
type encoded struct {
	n       int // length
	relAt   int // start of a rel32 field (branch or call target), or -1
	ripAt   int // start of a RIP-relative disp32, or -1
	opcodes int // offset of the first opcode byte (after prefixes and REX)
}

// Encode returns the bytes of one instruction on its own. Label operands
// and RIP-relative labels are encoded with a zero displacement and function
// operands with a zero rel32: use an Assembler to have them resolved.
func Encode(in Inst) ([]byte, error) {
	var buf [maxInstLen]byte
	e, err := encodeInto(&buf, &in)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), buf[:e.n]...), nil
}

// encodeInto encodes in into buf. It never panics: every operand is checked
// against the form and the addressing rules before a byte is written.
func encodeInto(buf *[maxInstLen]byte, in *Inst) (encoded, error) {
	e := encoded{relAt: -1, ripAt: -1}
	f := lookup(in)
	if f == nil {
		return e, errNoForm(in)
	}
	var rm *Operand
	if f.rmArg >= 0 {
		rm = &in.Args[f.rmArg]
		if rm.Kind == KindMem {
			if reason := checkMem(&rm.Mem); reason != "" {
				return e, &EncodeError{Inst: *in, Reason: reason}
			}
		}
	}
	if f.vex.m != 0 {
		return encodeVEX(buf, in, f, rm), nil
	}

	n := 0
	put := func(b byte) { buf[n] = b; n++ }

	// Legacy prefixes: operand size, then the mandatory SSE prefix.
	if f.w == wSize && in.Size == S16 {
		put(0x66)
	}
	if f.prefix != 0 {
		put(f.prefix)
	}

	// REX: W from the form and size; R, X, B from the register numbers; and
	// a bare REX whenever spl/bpl/sil/dil are used as byte registers (without
	// REX those encodings mean ah/ch/dh/bh).
	var rex byte
	if f.w == wAlways || f.w == wSize && in.Size == S64 {
		rex |= 0x48
	}
	if f.regArg >= 0 {
		rex |= in.Args[f.regArg].Reg.high() << 2
	}
	if rm != nil {
		if rm.Kind == KindReg {
			rex |= rm.Reg.high()
		} else {
			rex |= rm.Mem.Index.high()<<1 | rm.Mem.Base.high()
		}
	}
	if f.opRegArg >= 0 {
		rex |= in.Args[f.opRegArg].Reg.high()
	}
	if in.Size == S8 || f.byteArg { // else no operand is a byte register
		for i := 0; i < int(f.nargs); i++ {
			a := &in.Args[i]
			if a.Kind == KindReg && a.Reg.IsGPR() && f.width(in, i) == S8 && a.Reg >= RSP && a.Reg <= RDI {
				rex |= 0x40
			}
		}
	}
	if rex != 0 {
		put(rex | 0x40)
	}

	// Opcode.
	e.opcodes = n
	for i := 0; i < int(f.oplen); i++ {
		put(f.opcode[i])
	}
	if f.cond {
		buf[n-1] += byte(in.Cond & 15)
	}
	if f.opRegArg >= 0 {
		buf[n-1] += in.Args[f.opRegArg].Reg.low3()
	}

	// ModRM, SIB and displacement.
	if rm != nil {
		var reg byte
		if f.regArg >= 0 {
			reg = in.Args[f.regArg].Reg.low3()
		} else {
			reg = byte(f.digit)
		}
		if rm.Kind == KindReg {
			put(0xC0 | reg<<3 | rm.Reg.low3())
		} else {
			n = putMem(buf, n, reg, &rm.Mem, &e)
		}
	}

	// Immediate or relative target.
	if f.immArg >= 0 {
		v, _ := truncImm(&in.Args[f.immArg], in.Size)
		if f.args[f.immArg] == argU8 {
			v = in.Args[f.immArg].ImmValue()
		}
		width := int(f.imm)
		if f.imm == immZ {
			width = 4
			if in.Size == S16 {
				width = 2
			}
		}
		switch width {
		case 1:
			put(byte(v))
		case 2:
			binary.LittleEndian.PutUint16(buf[n:], uint16(v))
			n += 2
		case 4:
			binary.LittleEndian.PutUint32(buf[n:], uint32(v))
			n += 4
		case 8:
			binary.LittleEndian.PutUint64(buf[n:], uint64(v))
			n += 8
		}
	}
	if f.relArg >= 0 {
		e.relAt = n
		binary.LittleEndian.PutUint32(buf[n:], 0)
		n += 4
	}
	e.n = n
	return e, nil
}

// checkMem reports why a memory operand cannot be encoded, or "".
func checkMem(m *Mem) string {
	switch {
	case m.Base != NoReg && m.Base != RIP && !m.Base.IsGPR():
		return "memory base must be a general-purpose register or rip"
	case m.Index != NoReg && !m.Index.IsGPR():
		return "memory index must be a general-purpose register"
	case m.Index == RSP:
		return "rsp cannot be an index"
	case m.Base == RIP && m.Index != NoReg:
		return "rip-relative addressing takes no index"
	case m.Label != 0 && m.Base != RIP:
		return "a label address must be rip-relative"
	case m.Index != NoReg && m.Scale != 0 && m.Scale != 1 && m.Scale != 2 && m.Scale != 4 && m.Scale != 8:
		return "scale must be 1, 2, 4 or 8"
	}
	return ""
}

// putMem writes ModRM, SIB and displacement for a checked memory operand.
// The bytes are stored by index rather than through closures that append
// (they kept n in memory: a load and a store per byte).
func putMem(buf *[maxInstLen]byte, n int, reg byte, m *Mem, e *encoded) int {
	ss := scaleBits(m.Scale)
	switch {
	case m.Base == RIP:
		buf[n] = reg<<3 | 0b101
		e.ripAt = n + 1
		binary.LittleEndian.PutUint32(buf[n+1:], uint32(m.Disp))
		return n + 5
	case m.Base == NoReg:
		// No base: SIB with base=101 and mod=00 means disp32 with no base;
		// index=100 means no index either.
		idx := byte(0b100)
		if m.Index != NoReg {
			idx = m.Index.low3()
		} else {
			ss = 0
		}
		buf[n], buf[n+1] = reg<<3|0b100, ss<<6|idx<<3|0b101
		binary.LittleEndian.PutUint32(buf[n+2:], uint32(m.Disp))
		return n + 6
	}
	base := m.Base.low3()
	var mod byte
	switch {
	case m.Disp == 0 && base != 0b101:
		mod = 0b00 // rbp/r13 with mod=00 would mean rip/disp32: they need a disp8 of 0
	case m.Disp >= -128 && m.Disp <= 127:
		mod = 0b01
	default:
		mod = 0b10
	}
	if m.Index != NoReg || base == 0b100 {
		// rsp/r12 as base live in the SIB byte (rm=100 means "SIB follows").
		idx := byte(0b100)
		if m.Index != NoReg {
			idx = m.Index.low3()
		} else {
			ss = 0
		}
		buf[n], buf[n+1] = mod<<6|reg<<3|0b100, ss<<6|idx<<3|base
		n += 2
	} else {
		buf[n] = mod<<6 | reg<<3 | base
		n++
	}
	switch mod {
	case 0b01:
		buf[n] = byte(int8(m.Disp))
		n++
	case 0b10:
		binary.LittleEndian.PutUint32(buf[n:], uint32(m.Disp))
		n += 4
	}
	return n
}

func scaleBits(s uint8) byte {
	switch s {
	case 2:
		return 1
	case 4:
		return 2
	case 8:
		return 3
	}
	return 0
}

// errNoForm explains, as precisely as cheaply possible, why no row matched.
func errNoForm(in *Inst) error {
	reason := "no encoding of this op takes these operands and size"
	switch {
	case in.Op == BadOp || in.Op >= numOps:
		reason = "unknown op"
	case in.Op == MOV && in.Size == S64 && in.NumArgs() == 2 && in.Args[0].Kind == KindMem && in.Args[1].Kind == KindImm:
		reason = "a 64-bit store of an immediate needs the value to fit 32 signed bits"
	default:
		for i := 0; i < in.NumArgs(); i++ {
			if a := &in.Args[i]; a.Kind == KindReg && a.Reg == RIP {
				reason = "rip is only valid as a memory base"
			}
		}
	}
	return &EncodeError{Inst: *in, Reason: reason}
}
