package ssa

import (
	"math"
	"strconv"
	"strings"

	"github.com/moat-run/moat/internal/abi"
)

// String prints f in the text form that Parse reads back.
func (f *Func) String() string {
	var p printer
	p.f = f
	p.function()
	return p.b.String()
}

// InstString prints one instruction of f as it appears in f.String().
func (f *Func) InstString(in *Inst) string {
	p := printer{f: f}
	p.inst(in)
	return p.b.String()
}

type printer struct {
	f *Func
	b strings.Builder
}

func (p *printer) str(s string) { p.b.WriteString(s) }

func (p *printer) function() {
	f := p.f
	p.str("function ")
	p.str(funcNameText(f.Name))
	p.str(f.Sig.String())
	p.str(" {\n")
	for i, s := range f.Sigs {
		p.str("    sig")
		p.str(strconv.Itoa(i))
		p.str(" = ")
		p.str(s.String())
		p.str("\n")
	}
	for _, blk := range f.Blocks {
		p.block(blk)
	}
	p.str("}\n")
}

func (p *printer) block(blk *Block) {
	p.str("block")
	p.str(strconv.Itoa(blk.ID))
	if len(blk.Params) > 0 {
		p.str("(")
		for i, v := range blk.Params {
			if i > 0 {
				p.str(", ")
			}
			p.str(v.String())
			p.str(": ")
			p.str(p.f.ValueType(v).String())
		}
		p.str(")")
	}
	p.str(":\n")
	if blk == p.f.Blocks[0] {
		p.poolConsts()
	}
	for _, in := range blk.Insts {
		p.str("    ")
		p.inst(in)
		p.str("\n")
	}
}

// poolConsts prints the pool's constants that something uses, as the
// entry block's first instructions (where Parse makes them).
func (p *printer) poolConsts() {
	f := p.f
	if len(f.pool.vals) == 0 {
		return
	}
	used := make(map[Value]bool, len(f.pool.vals))
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			in.forEachUse(func(v *Value) {
				if f.IsPoolConst(*v) {
					used[*v] = true
				}
			})
		}
	}
	for _, c := range f.pool.vals {
		if used[c] {
			p.str("    ")
			p.inst(f.values[c].inst)
			p.str("\n")
		}
	}
}

func (p *printer) values(vs []Value) {
	for i, v := range vs {
		if i > 0 {
			p.str(", ")
		}
		p.str(v.String())
	}
}

func (p *printer) blockCall(c BlockCall) {
	p.str("block")
	if c.Block == nil {
		p.str("?")
	} else {
		p.str(strconv.Itoa(c.Block.ID))
	}
	if len(c.Args) > 0 {
		p.str("(")
		p.values(c.Args)
		p.str(")")
	}
}

func (p *printer) inst(in *Inst) {
	info := in.Op.info()
	if len(in.Results) > 0 {
		p.values(in.Results)
		p.str(" = ")
	}
	p.str(in.Op.String())
	if info.ctrl != tcNone {
		p.str(".")
		p.str(in.Type.String())
	}
	if info.shapes != 0 {
		p.str(".")
		p.str(in.Shape().String())
	}
	// sep writes the separator before the next operand.
	first := true
	sep := func() {
		if first {
			p.str(" ")
			first = false
		} else {
			p.str(", ")
		}
	}
	switch info.imm {
	case immInt:
		sep()
		p.str(intImmText(in.Type, in.Imm))
	case immF32:
		sep()
		x := math.Float32frombits(uint32(in.Imm))
		p.str(floatText(float64(x), x != x, in.Imm, 32))
	case immF64:
		sep()
		p.str(floatText(math.Float64frombits(in.Imm), math.IsNaN(math.Float64frombits(in.Imm)), in.Imm, 64))
	case immIntCC:
		p.str(" ")
		p.str(in.IntCC.String())
	case immFloatCC:
		p.str(" ")
		p.str(in.FloatCC.String())
	case immV128:
		sep()
		p.str(p.f.constText(in.Imm))
	case immMem:
		for i, name := range memFlagNames {
			if in.Flags&(1<<i) != 0 {
				p.str(" ")
				p.str(name)
			}
		}
		if in.Op.IsStore() && len(in.Args) == 2 {
			sep()
			p.str(in.Args[0].String())
			sep()
			p.address(in.Args[1], in.Offset)
		} else if len(in.Args) == 1 {
			sep()
			p.address(in.Args[0], in.Offset)
		}
		return
	case immCall:
		sep()
		p.str("sig" + strconv.Itoa(int(in.Sig)))
		sep()
		p.str("fn" + strconv.FormatUint(uint64(in.Callee), 10))
		p.str("(")
		p.values(in.Args)
		p.str(")")
		p.handler(in)
		return
	case immCallIndirect:
		sep()
		p.str("sig" + strconv.Itoa(int(in.Sig)))
		if len(in.Args) > 0 {
			sep()
			p.str(in.Args[0].String())
			p.str("(")
			p.values(in.Args[1:])
			p.str(")")
		}
		p.handler(in)
		return
	}
	for _, a := range in.Args {
		sep()
		p.str(a.String())
	}
	switch info.imm {
	case immLane:
		sep()
		p.str(strconv.Itoa(int(in.Lane())))
	case immShuffle:
		sep()
		p.str(p.f.constText(in.Imm))
	case immTrap:
		sep()
		p.str(trapName(in.Trap))
	case immJump, immBrif:
		for _, t := range in.Targets {
			sep()
			p.blockCall(t)
		}
	case immBrTable:
		if len(in.Targets) > 0 {
			sep()
			p.blockCall(in.Targets[0])
			sep()
			p.str("[")
			for i, t := range in.Targets[1:] {
				if i > 0 {
					p.str(", ")
				}
				p.blockCall(t)
			}
			p.str("]")
		}
	}
}

func (p *printer) address(base Value, off int32) {
	p.str(base.String())
	if off > 0 {
		p.str("+")
		p.str(strconv.Itoa(int(off)))
	} else if off < 0 {
		p.str(strconv.Itoa(int(off)))
	}
}

// intImmText prints an integer immediate as a signed decimal of t's width.
func intImmText(t Type, u uint64) string {
	if t == I32 {
		return strconv.FormatInt(int64(int32(uint32(u))), 10)
	}
	return strconv.FormatInt(int64(u), 10)
}

// floatText prints a float exactly: the shortest decimal that reads back to
// the same bits, "+Inf"/"-Inf", or "nan:0x..." with the full bit pattern.
func floatText(x float64, isNaN bool, bits uint64, size int) string {
	if isNaN {
		return "nan:0x" + strconv.FormatUint(bits, 16)
	}
	return strconv.FormatFloat(x, 'g', -1, size)
}

// funcNameText prints a function name as %name, quoted when it holds
// characters other than letters, digits and _ . $ -.
func funcNameText(name string) string {
	if name != "" && isPlainName(name) {
		return "%" + name
	}
	return "%" + strconv.Quote(name)
}

func isPlainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '$' || c == '-') {
			return false
		}
	}
	return true
}

// trapNames are the text-form names of trap codes.
var trapNames = map[abi.TrapCode]string{
	abi.TrapUnreachable:              "unreachable",
	abi.TrapMemoryOutOfBounds:        "heap_oob",
	abi.TrapTableOutOfBounds:         "table_oob",
	abi.TrapIndirectCallTypeMismatch: "bad_sig",
	abi.TrapUndefinedElement:         "undef_elem",
	abi.TrapUninitializedElement:     "uninit_elem",
	abi.TrapNullReference:            "null_ref",
	abi.TrapIntegerDivideByZero:      "int_divz",
	abi.TrapIntegerOverflow:          "int_ovf",
	abi.TrapInvalidConversion:        "bad_toint",
	abi.TrapStackExhausted:           "stk_ovf",
	abi.TrapInterrupted:              "interrupt",
	abi.TrapOutOfFuel:                "out_of_fuel",
	abi.TrapHostError:                "host_error",
}

var trapByName = func() map[string]abi.TrapCode {
	m := make(map[string]abi.TrapCode, len(trapNames))
	for c, n := range trapNames {
		m[n] = c
	}
	return m
}()

func trapName(c abi.TrapCode) string {
	if n, ok := trapNames[c]; ok {
		return n
	}
	return "trap" + strconv.FormatUint(uint64(c), 10)
}

// handler prints the handler number of try_call and try_call_indirect.
func (p *printer) handler(in *Inst) {
	if in.Op == OpTryCall || in.Op == OpTryCallIndirect {
		p.str(", handler ")
		p.str(strconv.FormatUint(in.Imm, 10))
	}
}
