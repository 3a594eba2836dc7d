package ssa

import (
	"fmt"
	"github.com/moat-run/moat/internal/abi"
	"math"
	"strconv"
	"strings"
)

// operands parses what follows the opcode, as the opcode's immediate kind
// dictates.
func (p *parser) operands(c *cursor, in *Inst, info *opInfo) error {
	var err error
	switch info.imm {
	case immInt:
		in.Imm, err = parseIntImm(c.next(), in.Type)
		return err
	case immF32, immF64:
		in.Imm, err = parseFloatImm(c.next(), info.imm == immF32)
		return err
	case immIntCC:
		cc := c.next()
		for i, n := range intCCNames {
			if n == cc {
				in.IntCC = IntCC(i)
				in.Args, err = p.valueList(c, "")
				return err
			}
		}
		return fmt.Errorf("unknown integer condition %q", cc)
	case immFloatCC:
		cc := c.next()
		for i, n := range floatCCNames {
			if n == cc {
				in.FloatCC = FloatCC(i)
				in.Args, err = p.valueList(c, "")
				return err
			}
		}
		return fmt.Errorf("unknown float condition %q", cc)
	case immMem:
		return p.memOperands(c, in)
	case immLane, immV128, immShuffle:
		return p.vectorOperands(c, in, info)
	case immCall, immCallIndirect:
		return p.callOperands(c, in, info.imm == immCall)
	case immTrap:
		if len(info.args) > 0 {
			v, err := p.useValue(c.next())
			if err != nil {
				return err
			}
			in.Args = []Value{v}
			if err := c.expect(","); err != nil {
				return err
			}
		}
		in.Trap, err = parseTrap(c.next())
		return err
	case immJump:
		bc, err := p.blockCall(c)
		in.Targets = []BlockCall{bc}
		return err
	case immBrif, immBrTable:
		v, err := p.useValue(c.next())
		if err != nil {
			return err
		}
		in.Args = []Value{v}
		if err := c.expect(","); err != nil {
			return err
		}
		first, err := p.blockCall(c)
		if err != nil {
			return err
		}
		in.Targets = []BlockCall{first}
		if err := c.expect(","); err != nil {
			return err
		}
		if info.imm == immBrif {
			second, err := p.blockCall(c)
			in.Targets = append(in.Targets, second)
			return err
		}
		if err := c.expect("["); err != nil {
			return err
		}
		for !c.accept("]") {
			if len(in.Targets) > 1 {
				if err := c.expect(","); err != nil {
					return err
				}
			}
			bc, err := p.blockCall(c)
			if err != nil {
				return err
			}
			in.Targets = append(in.Targets, bc)
		}
		return nil
	}
	in.Args, err = p.valueList(c, "")
	return err
}

func (p *parser) memOperands(c *cursor, in *Inst) error {
	for {
		if c.accept("notrap") {
			in.Flags |= MemNoTrap
		} else if c.accept("readonly") {
			in.Flags |= MemReadOnly
		} else {
			break
		}
	}
	if in.Op.IsStore() {
		v, err := p.useValue(c.next())
		if err != nil {
			return err
		}
		in.Args = append(in.Args, v)
		if err := c.expect(","); err != nil {
			return err
		}
	}
	addr := c.next()
	cut := strings.IndexAny(addr, "+-")
	base, off := addr, ""
	if cut >= 0 {
		base, off = addr[:cut], addr[cut:]
	}
	v, err := p.useValue(base)
	if err != nil {
		return err
	}
	in.Args = append(in.Args, v)
	if off != "" {
		n, err := strconv.ParseInt(off, 10, 32)
		if err != nil {
			return fmt.Errorf("bad offset %q", off)
		}
		in.Offset = int32(n)
	}
	return nil
}

func (p *parser) callOperands(c *cursor, in *Inst, direct bool) error {
	n, ok := numbered(c.next(), "sig", maxParsedIndex)
	if !ok || int(n) >= len(p.f.Sigs) {
		return fmt.Errorf("expected a declared signature sigN")
	}
	in.Sig = SigRef(n)
	if err := c.expect(","); err != nil {
		return err
	}
	callee := c.next()
	if direct {
		n, ok := numbered(callee, "fn", math.MaxUint32)
		if !ok {
			return fmt.Errorf("expected a callee fnN, found %q", callee)
		}
		in.Callee = FuncRef(n)
	} else {
		v, err := p.useValue(callee)
		if err != nil {
			return err
		}
		in.Args = append(in.Args, v)
	}
	if err := c.expect("("); err != nil {
		return err
	}
	args, err := p.valueList(c, ")")
	if err != nil {
		return err
	}
	in.Args = append(in.Args, args...)
	if err := c.expect(")"); err != nil {
		return err
	}
	if in.Op == OpTryCall || in.Op == OpTryCallIndirect {
		// try_call ..., handler N
		if err := c.expect(","); err != nil {
			return err
		}
		if err := c.expect("handler"); err != nil {
			return err
		}
		h, err := strconv.ParseUint(c.next(), 10, 32)
		if err != nil {
			return fmt.Errorf("expected a handler number: %v", err)
		}
		in.Imm = h
	}
	return nil
}

func (p *parser) blockCall(c *cursor) (BlockCall, error) {
	blk, err := p.block(c.next())
	if err != nil {
		return BlockCall{}, err
	}
	bc := BlockCall{Block: blk}
	if c.accept("(") {
		if bc.Args, err = p.valueList(c, ")"); err != nil {
			return bc, err
		}
		if err := c.expect(")"); err != nil {
			return bc, err
		}
	}
	return bc, nil
}

func parseIntImm(s string, t Type) (uint64, error) {
	bits := t.Bits()
	if !t.IsInt() {
		return 0, fmt.Errorf("iconst needs an integer type")
	}
	if n, err := strconv.ParseInt(s, 0, bits); err == nil {
		if bits == 32 {
			return uint64(uint32(n)), nil
		}
		return uint64(n), nil
	}
	if n, err := strconv.ParseUint(s, 0, bits); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("bad %s constant %q", t, s)
}

func parseFloatImm(s string, is32 bool) (uint64, error) {
	if hex, ok := strings.CutPrefix(s, "nan:0x"); ok {
		bits, err := strconv.ParseUint(hex, 16, 64)
		if err == nil && is32 && bits <= math.MaxUint32 && math.IsNaN(float64(math.Float32frombits(uint32(bits)))) {
			return bits, nil
		}
		if err == nil && !is32 && math.IsNaN(math.Float64frombits(bits)) {
			return bits, nil
		}
		return 0, fmt.Errorf("bad NaN %q", s)
	}
	size := 64
	if is32 {
		size = 32
	}
	x, err := strconv.ParseFloat(s, size)
	if err != nil || math.IsNaN(x) {
		return 0, fmt.Errorf("bad float constant %q", s)
	}
	if is32 {
		return uint64(math.Float32bits(float32(x))), nil
	}
	return math.Float64bits(x), nil
}

func parseTrap(s string) (code abi.TrapCode, err error) {
	if c, ok := trapByName[s]; ok {
		return c, nil
	}
	if n, ok := numbered(s, "trap", math.MaxUint32); ok {
		return abi.TrapCode(n), nil
	}
	return 0, fmt.Errorf("unknown trap code %q", s)
}

// finish checks references and infers the types of instruction results.
func (p *parser) finish() error {
	f := p.f
	first := -1
	for id := range p.blocks {
		if !p.defined[id] && (first < 0 || p.blockAt[id] < p.blockAt[first] || p.blockAt[id] == p.blockAt[first] && id < first) {
			first = id
		}
	}
	if first >= 0 {
		return &ParseError{Line: p.blockAt[first], Msg: fmt.Sprintf("block%d is used but not defined", first)}
	}
	if p.cur != nil && p.cur.Terminator() == nil {
		return fmt.Errorf("block%d does not end in a terminator", p.cur.ID)
	}
	for _, u := range p.uses {
		if int(u.v) >= len(p.valDef) || !p.valDef[u.v] {
			return &ParseError{Line: u.line, Msg: fmt.Sprintf("%s is used but not defined", u.v)}
		}
	}
	// Results are typed from their arguments, which may be defined later
	// in the text (layout order need not be dominance order): sweep until
	// nothing changes.
	pending := p.insts
	for len(pending) > 0 {
		var next []*Inst
		for _, in := range pending {
			ready := true
			for _, a := range in.Args {
				if f.values[a].typ == TypeInvalid {
					ready = false
				}
			}
			if !ready {
				next = append(next, in)
				continue
			}
			types := f.resultTypes(in)
			if len(types) != len(in.Results) {
				return &ParseError{Line: p.instAt[in], Msg: fmt.Sprintf("%s defines %d results, not %d", in.Op, len(types), len(in.Results))}
			}
			for i, v := range in.Results {
				if types[i] == TypeInvalid {
					return &ParseError{Line: p.instAt[in], Msg: "result of invalid type"}
				}
				f.values[v] = valueData{typ: types[i], inst: in, index: int32(i)}
			}
		}
		if len(next) == len(pending) {
			in := next[0]
			return &ParseError{Line: p.instAt[in], Msg: "cannot infer the result types (argument types depend on a cycle)"}
		}
		pending = next
	}
	return nil
}
