package ssa

import (
	"fmt"
	"strconv"
)

// The text-form and verifier hooks of the vector opcodes.

// parseShapeSuffix reads the lane shape of a vector instruction ("i32x4"
// in viadd.i32x4) into in.Imm.
func parseShapeSuffix(in *Inst, name, suffix string, hasSuffix bool) error {
	if !hasSuffix {
		return fmt.Errorf("%s needs a lane shape suffix like %s.i32x4", name, name)
	}
	sh, ok := parseShape(suffix)
	if !ok {
		return fmt.Errorf("unknown lane shape %q", suffix)
	}
	in.Imm = uint64(sh)
	return nil
}

// vectorOperands parses the operands of the lane, vconst and shuffle
// forms: "v1, 3", "v1, v2, 3", "0x...", "v1, v2, 0x...".
func (p *parser) vectorOperands(c *cursor, in *Inst, info *opInfo) error {
	for n := 0; n < len(info.args); n++ {
		if n > 0 {
			if err := c.expect(","); err != nil {
				return err
			}
		}
		v, err := p.useValue(c.next())
		if err != nil {
			return err
		}
		in.Args = append(in.Args, v)
	}
	if len(info.args) > 0 {
		if err := c.expect(","); err != nil {
			return err
		}
	}
	tok := c.next()
	if info.imm == immLane {
		n, err := strconv.ParseUint(tok, 10, 8)
		if err != nil {
			return fmt.Errorf("bad lane index %q", tok)
		}
		in.Imm = ShapeImm(Shape(in.Imm), int(n))
		return nil
	}
	k, err := parseConst128(tok)
	if err != nil {
		return err
	}
	in.Imm = uint64(p.f.AddConst(k))
	return nil
}

// checkVector checks a vector instruction's immediates: its shape is one
// the opcode allows, lane indices are in range, comparisons are ones the
// shape has, and constants exist.
func (v *verifier) checkVector(in *Inst, info *opInfo, where func() string) {
	sh := Shape(in.Imm & 0xff)
	if info.shapes != 0 && !info.shapes.has(sh) {
		v.errorf("%s: %s has no lane shape %s", where(), in.Op, sh)
		return
	}
	switch info.imm {
	case immLane:
		if in.Imm>>16 != 0 || in.Lane() >= sh.Lanes() {
			v.errorf("%s: lane %d out of range for %s", where(), in.Lane(), sh)
		}
	case immV128, immShuffle:
		if in.Imm >= uint64(len(v.f.Consts)) {
			v.errorf("%s: no constant %d in the pool", where(), in.Imm)
		}
		if info.imm == immShuffle && in.Imm < uint64(len(v.f.Consts)) {
			for _, s := range v.f.Consts[in.Imm] {
				if s >= 32 {
					v.errorf("%s: shuffle selector %d out of range", where(), s)
					break
				}
			}
		}
	case immIntCC:
		if in.Imm>>8 != 0 {
			v.errorf("%s: stray immediate bits", where())
		}
		if sh == I64x2 && in.IntCC >= IntULT {
			v.errorf("%s: no unsigned comparison of i64x2 lanes", where())
		}
	default:
		if info.shapes != 0 && in.Imm>>8 != 0 {
			v.errorf("%s: stray immediate bits", where())
		}
	}
}
