package amd64

import (
	"strconv"
	"strings"
)

// String prints the instruction in Intel syntax as GNU as reads it with
// -msyntax=intel -mnaked-reg: "add rax, rbx",
// "mov eax, dword ptr [rdi + rcx*4 + 16]", "jne .L3", "call fn7".
// Operand widths come from the matching encoding form, so register names
// and "ptr" sizes are those the bytes mean. An instruction no form accepts
// still prints, using Size for every operand.
func (in Inst) String() string {
	var sb strings.Builder
	in.appendText(&sb)
	return sb.String()
}

func (in *Inst) appendText(sb *strings.Builder) {
	sb.WriteString(in.Op.String())
	if in.Op == JCC || in.Op == SETCC || in.Op == CMOVCC {
		sb.WriteString(in.Cond.String())
	}
	f := lookup(in)
	for i := 0; i < in.NumArgs(); i++ {
		if i == 0 {
			sb.WriteByte(' ')
		} else {
			sb.WriteString(", ")
		}
		width := in.Size
		if f != nil {
			width = f.width(in, i)
		}
		appendOperand(sb, &in.Args[i], width)
	}
	if in.Arg4.Kind != KindNone {
		o := in.Arg4.Operand()
		sb.WriteString(", ")
		appendOperand(sb, &o, 0)
	}
}

func appendOperand(sb *strings.Builder, o *Operand, width Size) {
	switch o.Kind {
	case KindReg:
		sb.WriteString(o.Reg.Name(width))
	case KindMem:
		sb.WriteString(width.ptrName())
		appendMem(sb, &o.Mem)
	case KindImm:
		appendImm(sb, o.ImmValue())
	case KindLabel:
		sb.WriteString(labelName(o.Target()))
	case KindFunc:
		sb.WriteString("fn")
		sb.WriteString(strconv.FormatInt(o.ImmValue(), 10))
	default:
		sb.WriteString("?")
	}
}

func labelName(l Label) string { return ".L" + strconv.FormatUint(uint64(l), 10) }

func appendMem(sb *strings.Builder, m *Mem) {
	sb.WriteByte('[')
	empty := true
	term := func(s string) {
		if !empty {
			sb.WriteString(" + ")
		}
		sb.WriteString(s)
		empty = false
	}
	if m.Base != NoReg {
		term(m.Base.String())
	}
	if m.Index != NoReg {
		scale := m.Scale
		if scale == 0 {
			scale = 1
		}
		term(m.Index.String() + "*" + strconv.Itoa(int(scale)))
	}
	if m.Label != 0 {
		term(labelName(m.Label))
	}
	switch {
	case empty:
		appendImm(sb, int64(m.Disp))
	case m.Disp > 0:
		sb.WriteString(" + ")
		appendImm(sb, int64(m.Disp))
	case m.Disp < 0:
		sb.WriteString(" - ")
		appendImm(sb, -int64(m.Disp))
	}
	sb.WriteByte(']')
}

// appendImm prints small values in decimal and large ones in hex.
func appendImm(sb *strings.Builder, v int64) {
	switch {
	case v > -4096 && v < 4096:
		sb.WriteString(strconv.FormatInt(v, 10))
	case v < 0:
		sb.WriteString("-0x")
		sb.WriteString(strconv.FormatUint(-uint64(v), 16))
	default:
		sb.WriteString("0x")
		sb.WriteString(strconv.FormatUint(uint64(v), 16))
	}
}
