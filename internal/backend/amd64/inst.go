package amd64

import "fmt"

// Label names a position in one function's code: a branch target or a
// constant-pool entry. Labels come from Assembler.NewLabel; the zero value
// means "no label".
type Label uint32

// Mem is a memory operand: [Base + Index*Scale + Disp]. Base and Index may be
// NoReg (an index without base is encoded with a 32-bit displacement; neither
// is an absolute address). Base RIP addresses relative to the next
// instruction; with Label set, the displacement is relative to that label
// (plus Disp), which is how constant-pool entries are reached.
type Mem struct {
	Base, Index Reg
	Scale       uint8 // 1, 2, 4 or 8; 0 means 1
	Disp        int32
	Label       Label // only with Base == RIP
}

// OperandKind says which field of an Operand is meaningful.
type OperandKind uint8

// The operand kinds.
const (
	KindNone  OperandKind = iota
	KindReg               // Reg
	KindMem               // Mem
	KindImm               // Imm
	KindLabel             // Label: a branch target inside the function
	KindFunc              // Imm: index of a function, reached through a relocation
)

// Operand is one operand of an Inst (16 bytes). Build it with R, M, Imm, L
// or Func.
type Operand struct {
	Kind OperandKind
	Reg  Reg
	// Mem is the memory operand of KindMem. The kinds that carry a number
	// (KindImm, KindLabel, KindFunc) keep it in Mem's last eight bytes
	// instead, Disp the low half and Label the high half (ImmValue): an
	// operand has room for one or the other, and templates, which lowering
	// writes and emission reads by the million, stay small.
	Mem Mem
}

// ImmValue is the number of a KindImm, KindLabel or KindFunc operand: the
// immediate, the label or the function index.
func (o Operand) ImmValue() int64 {
	return int64(uint64(uint32(o.Mem.Disp)) | uint64(o.Mem.Label)<<32)
}

// immOperand is an operand of kind k carrying the number v.
func immOperand(k OperandKind, v int64) Operand {
	return Operand{Kind: k, Mem: Mem{Disp: int32(v), Label: Label(uint64(v) >> 32)}}
}

// R is a register operand.
func R(r Reg) Operand { return Operand{Kind: KindReg, Reg: r} }

// M is a memory operand.
func M(m Mem) Operand { return Operand{Kind: KindMem, Mem: m} }

// Imm is an immediate operand. It is truncated to the operand size (so
// 0xffffffff and -1 are the same 32-bit immediate) and then encoded in the
// shortest form the instruction offers.
func Imm(v int64) Operand { return immOperand(KindImm, v) }

// L is a branch-target operand.
func L(l Label) Operand { return immOperand(KindLabel, int64(l)) }

// Target is the label of a KindLabel operand, or 0.
func (o *Operand) Target() Label {
	if o.Kind != KindLabel || o.Mem.Label != 0 {
		return 0
	}
	return Label(uint32(o.Mem.Disp))
}

// Func is a call-target operand naming a function by index; the call's
// displacement is left to the linker (see Reloc).
func Func(index uint32) Operand { return immOperand(KindFunc, int64(index)) }

// Inst is one machine instruction (56 bytes). Args are in Intel order (destination
// first) and end at the first KindNone. Size is the operand size of
// general-purpose instructions (S8..S64); for instructions that mix widths it
// is the width of the general-purpose operand that varies (the destination
// of movzx, the integer side of cvtsi2sd / cvttsd2si). Cond is used by JCC,
// SETCC and CMOVCC only.
type Inst struct {
	Op   Op
	Size Size
	Cond Cond
	Arg4 Arg4
	Args [3]Operand
}

// Arg4 is the fourth operand of the AVX forms that have one, after Args in
// Intel order: an 8-bit immediate (vshufps, vpinsrb, vcmpps) or an XMM
// register (the mask of vpblendvb, encoded in imm8[7:4]). It fits in what
// would otherwise be padding, so Inst stays 56 bytes. I fills it from a
// fourth argument.
type Arg4 struct {
	Kind OperandKind // KindNone, KindImm or KindReg; kindInvalid is accepted by no form
	Reg  Reg
	Imm  uint8
}

// kindInvalid marks a fourth operand that Arg4 cannot hold.
const kindInvalid OperandKind = 0xff

// arg4Of packs an operand as a fourth operand.
func arg4Of(o Operand) Arg4 {
	switch {
	case o.Kind == KindReg:
		return Arg4{Kind: KindReg, Reg: o.Reg}
	case o.Kind == KindImm && o.ImmValue() >= -128 && o.ImmValue() <= 255:
		return Arg4{Kind: KindImm, Imm: uint8(o.ImmValue())}
	case o.Kind == KindNone:
		return Arg4{}
	}
	return Arg4{Kind: kindInvalid}
}

// Operand unpacks the fourth operand.
func (a Arg4) Operand() Operand {
	switch a.Kind {
	case KindReg:
		return R(a.Reg)
	case KindImm:
		return Imm(int64(a.Imm))
	}
	return Operand{Kind: a.Kind}
}

// I builds an Inst without a condition, of at most three operands (I4
// takes a fourth, for Arg4; I marks one it is given as invalid, which no
// form accepts). It is small enough to be inlined: lowering makes nearly
// every template with it, and a call cost about 45 instructions each.
func I(op Op, size Size, args ...Operand) (in Inst) {
	in.Op, in.Size = op, size
	if copy(in.Args[:], args) < len(args) {
		in.Arg4.Kind = kindInvalid
	}
	return in
}

// I4 is I for the forms with a fourth operand, which goes to Arg4.
func I4(op Op, size Size, args ...Operand) Inst {
	in := I(op, size, args...)
	switch {
	case len(args) == 4:
		in.Arg4 = arg4Of(args[3])
	case len(args) > 4:
		in.Arg4 = Arg4{Kind: kindInvalid}
	}
	return in
}

// Jcc is a conditional branch to a label.
func Jcc(c Cond, target Label) Inst {
	return Inst{Op: JCC, Cond: c, Args: [3]Operand{L(target)}}
}

// Jmp is an unconditional branch to a label.
func Jmp(target Label) Inst { return Inst{Op: JMP, Args: [3]Operand{L(target)}} }

// SetCC sets the low byte of dst to 1 if c holds, else to 0.
func SetCC(c Cond, dst Reg) Inst {
	return Inst{Op: SETCC, Size: S8, Cond: c, Args: [3]Operand{R(dst)}}
}

// CMovCC moves src into dst if c holds.
func CMovCC(c Cond, size Size, dst Reg, src Operand) Inst {
	return Inst{Op: CMOVCC, Size: size, Cond: c, Args: [3]Operand{R(dst), src}}
}

// NumArgs is the number of operands before the first KindNone.
func (in *Inst) NumArgs() int {
	n := 0
	for n < len(in.Args) && in.Args[n].Kind != KindNone {
		n++
	}
	return n
}

// EncodeError says why an instruction cannot be encoded.
type EncodeError struct {
	Inst   Inst
	Offset int // code offset where it was to be emitted
	Reason string
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("amd64: cannot encode %q at offset %#x: %s", e.Inst.String(), e.Offset, e.Reason)
}
