package ssa

import (
	"errors"
	"fmt"
	"strings"
)

// maxParsedIndex bounds value and block numbers in text, so that a short
// input cannot make Parse allocate a huge value table.
const maxParsedIndex = 1 << 20

// Parse reads one function in the text form that Func.String prints.
// Value and block numbers are kept as written, so printing the result
// reproduces the input's canonical form exactly.
func Parse(text string) (*Func, error) {
	p := &parser{
		blocks:  map[int]*Block{},
		blockAt: map[int]int{},
		defined: map[int]bool{},
		instAt:  map[*Inst]int{},
	}
	if err := p.run(text); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return nil, err
		}
		return nil, &ParseError{Line: p.line, Msg: err.Error()}
	}
	return p.f, nil
}

type parser struct {
	f       *Func
	line    int
	cur     *Block
	ended   bool
	blocks  map[int]*Block // by ID, defined or only referenced
	blockAt map[int]int    // line of each block's first reference
	defined map[int]bool   // block IDs whose header was seen
	valDef  []bool
	uses    []valueUse
	instAt  map[*Inst]int // line of each instruction, for errors
	insts   []*Inst
}

type valueUse struct {
	v    Value
	line int
}

func (p *parser) run(text string) error {
	for i, raw := range strings.Split(text, "\n") {
		p.line = i + 1
		toks, err := lexLine(stripComment(raw))
		if err != nil {
			return err
		}
		if len(toks) == 0 {
			continue
		}
		c := &cursor{toks: toks}
		switch {
		case p.ended:
			return fmt.Errorf("text after the closing brace")
		case p.f == nil:
			err = p.header(c)
		case c.peek() == "}" && len(toks) == 1:
			p.ended = true
			c.next()
		case strings.HasPrefix(c.peek(), "sig") && len(toks) > 1 && toks[1].text == "=":
			err = p.sigDecl(c)
		case strings.HasPrefix(c.peek(), "block"):
			err = p.blockHeader(c)
		default:
			err = p.instLine(c)
		}
		if err != nil {
			return err
		}
		if !c.done() && err == nil {
			return fmt.Errorf("unexpected %q", c.peek())
		}
	}
	p.line = 0
	if p.f == nil {
		return fmt.Errorf("no function")
	}
	if !p.ended {
		return fmt.Errorf("missing closing brace")
	}
	return p.finish()
}

func (p *parser) header(c *cursor) error {
	if err := c.expect("function"); err != nil {
		return err
	}
	if c.done() {
		return fmt.Errorf("expected a function name")
	}
	tok := c.toks[c.pos]
	c.pos++
	name := tok.text
	if !tok.quoted {
		var ok bool
		if name, ok = strings.CutPrefix(name, "%"); !ok || name == "" {
			return fmt.Errorf("function name must look like %%name")
		}
	}
	sig, err := p.signature(c, "{")
	if err != nil {
		return err
	}
	if err := c.expect("{"); err != nil {
		return err
	}
	p.f = NewFunc(name, sig)
	return nil
}

// signature parses "(types) [-> types]", the results ending before stop
// (or at the end of the line when stop is "").
func (p *parser) signature(c *cursor, stop string) (Signature, error) {
	var s Signature
	if err := c.expect("("); err != nil {
		return s, err
	}
	var err error
	if s.Params, err = p.typeList(c, ")"); err != nil {
		return s, err
	}
	if err := c.expect(")"); err != nil {
		return s, err
	}
	if c.accept("->") {
		if s.Results, err = p.typeList(c, stop); err != nil {
			return s, err
		}
		if len(s.Results) == 0 {
			return s, fmt.Errorf("expected result types after ->")
		}
	}
	return s, nil
}

func (p *parser) typeList(c *cursor, stop string) ([]Type, error) {
	var ts []Type
	for !c.done() && c.peek() != stop {
		if len(ts) > 0 {
			if err := c.expect(","); err != nil {
				return nil, err
			}
		}
		t, ok := parseType(c.next())
		if !ok {
			return nil, fmt.Errorf("expected a type")
		}
		ts = append(ts, t)
	}
	return ts, nil
}

func (p *parser) sigDecl(c *cursor) error {
	if p.cur != nil {
		return fmt.Errorf("signatures must precede the blocks")
	}
	n, ok := numbered(c.next(), "sig", maxParsedIndex)
	if !ok || int(n) != len(p.f.Sigs) {
		return fmt.Errorf("expected sig%d", len(p.f.Sigs))
	}
	c.next() // "="
	s, err := p.signature(c, "")
	if err != nil {
		return err
	}
	p.f.Sigs = append(p.f.Sigs, s)
	return nil
}

func (p *parser) block(tok string) (*Block, error) {
	n, ok := numbered(tok, "block", maxParsedIndex)
	if !ok {
		return nil, fmt.Errorf("expected a block name, found %q", tok)
	}
	id := int(n)
	blk := p.blocks[id]
	if blk == nil {
		blk = &Block{ID: id}
		p.blocks[id] = blk
		p.blockAt[id] = p.line
		if id >= p.f.nextBlock {
			p.f.nextBlock = id + 1
		}
	}
	return blk, nil
}

func (p *parser) blockHeader(c *cursor) error {
	blk, err := p.block(c.next())
	if err != nil {
		return err
	}
	if p.defined[blk.ID] {
		return fmt.Errorf("block%d defined twice", blk.ID)
	}
	if p.cur != nil && p.cur.Terminator() == nil {
		return fmt.Errorf("block%d does not end in a terminator", p.cur.ID)
	}
	p.defined[blk.ID] = true
	p.f.Blocks = append(p.f.Blocks, blk)
	p.cur = blk
	if c.accept("(") {
		for !c.accept(")") {
			if len(blk.Params) > 0 {
				if err := c.expect(","); err != nil {
					return err
				}
			}
			v, err := p.defValue(c.next())
			if err != nil {
				return err
			}
			if err := c.expect(":"); err != nil {
				return err
			}
			t, ok := parseType(c.next())
			if !ok {
				return fmt.Errorf("expected a type for %s", v)
			}
			p.f.values[v] = valueData{typ: t, block: blk, index: int32(len(blk.Params))}
			blk.Params = append(blk.Params, v)
			if c.done() {
				return fmt.Errorf("unterminated parameter list")
			}
		}
	}
	return c.expect(":")
}

// defValue parses a value being defined and reserves its table slot.
func (p *parser) defValue(tok string) (Value, error) {
	n, ok := numbered(tok, "v", maxParsedIndex)
	if !ok {
		return NoValue, fmt.Errorf("expected a value, found %q", tok)
	}
	for len(p.f.values) <= int(n) {
		p.f.values = append(p.f.values, valueData{})
		p.valDef = append(p.valDef, false)
	}
	if p.valDef[n] {
		return NoValue, fmt.Errorf("v%d defined twice", n)
	}
	p.valDef[n] = true
	return Value(n), nil
}

func (p *parser) useValue(tok string) (Value, error) {
	n, ok := numbered(tok, "v", maxParsedIndex)
	if !ok {
		return NoValue, fmt.Errorf("expected a value, found %q", tok)
	}
	p.uses = append(p.uses, valueUse{Value(n), p.line})
	return Value(n), nil
}

// valueList parses "v1, v2, ..." up to (not including) stop or the end.
func (p *parser) valueList(c *cursor, stop string) ([]Value, error) {
	var vs []Value
	for !c.done() && c.peek() != stop {
		if len(vs) > 0 {
			if err := c.expect(","); err != nil {
				return nil, err
			}
		}
		v, err := p.useValue(c.next())
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func (p *parser) instLine(c *cursor) error {
	if p.cur == nil {
		return fmt.Errorf("instruction outside a block")
	}
	if p.cur.Terminator() != nil {
		return fmt.Errorf("instruction after the terminator of block%d", p.cur.ID)
	}
	in := &Inst{}
	// Results: "v1, v2 =".
	if len(c.toks) > 1 && (c.toks[1].text == "=" || c.toks[1].text == ",") {
		for {
			v, err := p.defValue(c.next())
			if err != nil {
				return err
			}
			in.Results = append(in.Results, v)
			if c.accept("=") {
				break
			}
			if err := c.expect(","); err != nil {
				return err
			}
		}
	}
	name, suffix, hasSuffix := strings.Cut(c.next(), ".")
	op, ok := opByName[name]
	if !ok {
		return fmt.Errorf("unknown opcode %q", name)
	}
	in.Op = op
	info := op.info()
	if info.shapes != 0 {
		if err := parseShapeSuffix(in, name, suffix, hasSuffix); err != nil {
			return err
		}
	} else if (info.ctrl != tcNone) != hasSuffix {
		if hasSuffix {
			return fmt.Errorf("%s takes no type suffix", name)
		}
		return fmt.Errorf("%s needs a type suffix like %s.i32", name, name)
	}
	if hasSuffix && info.shapes == 0 {
		if in.Type, ok = parseType(suffix); !ok {
			return fmt.Errorf("unknown type %q", suffix)
		}
	}
	if err := p.operands(c, in, info); err != nil {
		return err
	}
	p.cur.Insts = append(p.cur.Insts, in)
	if in.Op == OpTrapnz {
		p.f.trapnzs++
	}
	p.instAt[in] = p.line
	p.insts = append(p.insts, in)
	return nil
}
