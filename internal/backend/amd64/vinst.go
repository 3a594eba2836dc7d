package amd64

import (
	"fmt"
	"strings"

	"github.com/moat-run/moat/internal/backend"
)

// vinst is one amd64 instruction (or a short fixed sequence) over virtual
// registers: what lowering produces and the register allocator sees.
//
// Its machine code is a list of Inst templates in which a register field
// holding opReg(k) stands for "the location of operand k" (ops[k]). Emission
// substitutes the allocated locations: a register, or for a register-or-stack
// use that was left in its spill slot, the slot's memory operand. Fixed
// physical registers (RCX for shift counts, R15 for the context, RSP, R11)
// appear in templates as themselves. Labels in templates are the function's
// Assembler labels, made during lowering: local labels of a sequence,
// out-of-line trap stubs and constant-pool entries.
//
// The kinds other than vPlain are terminators (and the entry's argument
// definitions), whose code emission completes from the block layout.
type vinst struct {
	kind vkind
	// opLo and opHi: its operands are the function's Ops[opLo:opHi]
	// (backend.Func.Ops, where lowering writes them; see newOp).
	opLo, opHi int32
	// codeLo and codeHi: its templates are mem.code[codeLo:codeHi].
	codeLo, codeHi int32
	clobbers       backend.RegSet
	move           bool // a plain register copy: ops[0] = ops[1]
	// vBrif: flags from code; taken to Succs[0] when cond holds (and, for
	// float equality, parity says ordered; see parity).
	cond   Cond
	parity parityMode
	// vReturn: the frame's epilogue is added at emission.
	// vBrTable: ops[0] is the index, ops[1], ops[2] early temporaries.
	// vTailCall: the number of stack argument words.
	ntargets int
	// mem, when set, holds the templates and names the function whose
	// Ops hold the operands; id is the vinst's index in mem.insts.
	mem *lowerMem
	id  int32
}

type vkind uint8

const (
	vPlain    vkind = iota
	vJump           // to Succs[0]
	vBrif           // code sets flags; cond picks Succs[0], else Succs[1]
	vBrTable        // index in ops[0]; Succs[0] is the default
	vReturn         // results in their fixed registers, then the epilogue
	vTrap           // code jumps to a trap stub; no successors
	vTailCall       // arguments in place; the epilogue, then code (the jump)
)

// parityMode refines a float branch condition after ucomis.
type parityMode uint8

const (
	parityNone  parityMode = iota
	parityAndNP            // taken iff cond && !P (ordered equal)
	parityOrP              // taken iff cond || P (unordered or not equal)
)

// opBind is a template pseudo-instruction: bind label Args[0] here.
const opBind Op = 0xFFFF

// opMark is like opBind but leaves no line in the listing: it marks a
// return address for the source-position table (Compiled.Sites).
const opMark Op = 0xFFFE

// opFaultMark is opMark for a fault site (markFault): the listing notes it.
const opFaultMark Op = 0xFFFD

// opCountArg (the lowest of the four pseudo-ops, which emitter.code tells
// apart from the machine ops by one test) loads this frame's call-depth count into R11 for the callee
// called next (see emitter.prologue): "mov r11, [rsp+slot]", the slot's
// offset known once the frame is laid out.
const opCountArg Op = 0xFFFC

// opRegBase is where operand placeholders start in a template's Reg fields.
const opRegBase Reg = 0x80

// opReg is the template register standing for operand k.
func opReg(k int) Reg { return opRegBase + Reg(k) }

// ops returns the operands (none for a vinst made outside lowering).
func (in *vinst) ops() []backend.Operand {
	if in.mem == nil || in.mem.vf == nil {
		return nil
	}
	return in.mem.vf.Ops[in.opLo:in.opHi]
}

func (in *vinst) Operands(v *backend.OperandVisitor) {
	for _, op := range in.ops() {
		v.Add(op)
	}
}

// flags is what the allocator is told of in besides its operands.
func (in *vinst) flags() backend.InstFlags {
	var f backend.InstFlags
	if in.move {
		f |= backend.FlagMove
	}
	if in.kind != vPlain {
		f |= backend.FlagTerminator
	}
	return f
}

func (in *vinst) Clobbers() backend.RegSet { return in.clobbers }

func (in *vinst) IsMove() (dst, src backend.VReg, ok bool) {
	if ops := in.ops(); in.move && len(ops) >= 2 {
		return ops[0].VReg, ops[1].VReg, true
	}
	return 0, 0, false
}

func (in *vinst) IsTerminator() bool { return in.kind != vPlain }

// String prints the templates with operands as their virtual registers
// (%v12) and physical registers by name, for vcode dumps.
func (in *vinst) String() string {
	var sb strings.Builder
	switch in.kind {
	case vJump:
		sb.WriteString("jump")
	case vBrif:
		fmt.Fprintf(&sb, "brif %s", in.cond)
		if in.parity == parityAndNP {
			sb.WriteString("&np")
		} else if in.parity == parityOrP {
			sb.WriteString("|p")
		}
	case vBrTable:
		if ops := in.ops(); len(ops) > 0 {
			fmt.Fprintf(&sb, "br_table %v", ops[0].VReg)
		} else {
			sb.WriteString("br_table")
		}
	case vReturn:
		sb.WriteString("ret")
	case vTrap:
		sb.WriteString("trap")
	case vTailCall:
		sb.WriteString("tail")
	}
	for i, c := range in.templates() {
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		_ = i
		sb.WriteString(in.templateString(c))
	}
	for _, op := range in.ops() {
		if op.Constraint == backend.FixedReg {
			fmt.Fprintf(&sb, " [%v@%v]", op.VReg, regOf(op.Fixed))
		}
	}
	return sb.String()
}

// templateString prints one template with placeholders replaced by scratch
// registers is not meaningful; instead it prints the mnemonic and operand
// references symbolically.
func (in *vinst) templateString(c Inst) string {
	var sb strings.Builder
	if c.Op == opBind || c.Op == opMark || c.Op == opFaultMark {
		return fmt.Sprintf(".L%d:", c.Args[0].ImmValue())
	}
	if c.Op == opCountArg {
		return "mov r11, <call-depth count>"
	}
	sb.WriteString(c.Op.String())
	if c.Op == JCC || c.Op == SETCC || c.Op == CMOVCC {
		sb.WriteString(c.Cond.String())
	}
	for k := 0; k < c.NumArgs(); k++ {
		if k == 0 {
			sb.WriteByte(' ')
		} else {
			sb.WriteString(", ")
		}
		a := c.Args[k]
		switch a.Kind {
		case KindReg:
			sb.WriteString(in.regString(a.Reg))
		case KindMem:
			sb.WriteByte('[')
			sep := ""
			if a.Mem.Base != NoReg {
				sb.WriteString(in.regString(a.Mem.Base))
				sep = "+"
			}
			if a.Mem.Index != NoReg {
				fmt.Fprintf(&sb, "%s%s*%d", sep, in.regString(a.Mem.Index), max(a.Mem.Scale, 1))
				sep = "+"
			}
			if a.Mem.Disp != 0 || sep == "" {
				fmt.Fprintf(&sb, "%s%d", sep, a.Mem.Disp)
			}
			sb.WriteByte(']')
		case KindImm:
			fmt.Fprintf(&sb, "%d", a.ImmValue())
		case KindLabel:
			fmt.Fprintf(&sb, ".L%d", a.ImmValue())
		case KindFunc:
			fmt.Fprintf(&sb, "fn%d", a.ImmValue())
		}
	}
	return sb.String()
}

func (in *vinst) regString(r Reg) string {
	if r >= opRegBase {
		k := int(r - opRegBase)
		if ops := in.ops(); k < len(ops) {
			return "%" + ops[k].VReg.String()
		}
		return "%?"
	}
	if r == RIP {
		return "rip"
	}
	return r.String()
}
