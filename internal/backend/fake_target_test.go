package backend

import (
	"fmt"
	"strconv"
	"strings"
)

// The fake target: five integer registers r0..r4 (r3, r4 callee-saved), three
// float registers f0..f2 (f2 callee-saved), scratch r7 and f7, a stack
// pointer r6 usable as a pinned register. Calls take arguments in r0, r1 (f0)
// and return in r0 (f0), clobbering r0..r2, f0, f1. Shifts count in r2, like
// x86's CL; div takes its dividend in r0 and leaves quotient in r0 and
// remainder in r1, like x86's RAX:RDX.
var (
	fr0, fr1, fr2, fr3, fr4 = NewPReg(ClassInt, 0), NewPReg(ClassInt, 1), NewPReg(ClassInt, 2), NewPReg(ClassInt, 3), NewPReg(ClassInt, 4)
	fsp                     = NewPReg(ClassInt, 6)
	ff0, ff1, ff2           = NewPReg(ClassFloat, 0), NewPReg(ClassFloat, 1), NewPReg(ClassFloat, 2)
	fakeCallClobbers        = RegSetOf(fr0, fr1, fr2, ff0, ff1)
)

func fakeEnv() *MachineEnv {
	return &MachineEnv{
		Allocatable: [NumClasses][]PReg{{fr0, fr1, fr2, fr3, fr4}, {ff0, ff1, ff2}},
		CalleeSaved: RegSetOf(fr3, fr4, ff2),
		Scratch:     [NumClasses]PReg{NewPReg(ClassInt, 7), NewPReg(ClassFloat, 7)},
		SlotSize:    [NumClasses]int{8, 16},
		NewJump:     func() Inst { return &fakeInst{op: "jump"} },
	}
}

// fakeInst is one instruction of the fake target: an opcode, defs, uses.
type fakeInst struct {
	op   string
	defs []VReg
	uses []VReg
	imm  int64
}

func (in *fakeInst) Operands(v *OperandVisitor) {
	d, u := in.defs, in.uses
	switch in.op {
	case "iconst", "fconst":
		v.Def(d[0])
	case "add", "sub", "fadd", "fmul":
		v.DefReuse(d[0], 1)
		v.Use(u[0])
		v.Use(u[1])
	case "lea":
		v.Def(d[0])
		v.Use(u[0])
		v.Use(u[1])
	case "mov", "fmov", "f2i", "i2f":
		v.Def(d[0])
		v.Use(u[0])
	case "load":
		v.Def(d[0])
		v.UseRegOrStack(u[0])
	case "shl":
		v.DefReuse(d[0], 1)
		v.Use(u[0])
		v.UseFixed(u[1], fr2)
	case "div":
		v.UseFixed(u[0], fr0)
		v.Use(u[1])
		v.DefFixed(d[0], fr0)
		v.DefFixed(d[1], fr1)
	case "hash": // needs a scratch temporary: defs[1] is an early def
		v.Def(d[0])
		v.Use(u[0])
		v.DefEarly(d[1])
	case "addto": // defs[0] += uses[0]
		v.ModReg(d[0])
		v.Use(u[0])
	case "call":
		for k, a := range u {
			v.UseFixed(a, []PReg{fr0, fr1}[k])
		}
		for _, r := range d {
			v.DefFixed(r, fr0)
		}
	case "fcall":
		for _, a := range u {
			v.UseFixed(a, ff0)
		}
		for _, r := range d {
			v.DefFixed(r, ff0)
		}
	case "store":
		v.Use(u[0])
		v.Use(u[1])
	case "push":
		v.Use(Pinned(fsp))
		v.UseRegOrStack(u[0])
	case "br":
		v.Use(u[0])
	case "ret":
		if len(u) > 0 {
			v.UseFixed(u[0], fr0)
		}
	}
}

func (in *fakeInst) Clobbers() RegSet {
	if in.op == "call" || in.op == "fcall" {
		return fakeCallClobbers
	}
	return 0
}

func (in *fakeInst) IsMove() (VReg, VReg, bool) {
	if in.op == "mov" || in.op == "fmov" {
		return in.defs[0], in.uses[0], true
	}
	return 0, 0, false
}

func (in *fakeInst) IsTerminator() bool { return in.op == "jump" || in.op == "br" || in.op == "ret" }

func (in *fakeInst) String() string {
	var sb strings.Builder
	if len(in.defs) > 0 && in.op != "addto" {
		sb.WriteString(vregNames(in.defs) + " = ")
	}
	sb.WriteString(in.op)
	args := in.uses
	if in.op == "addto" {
		args = append([]VReg{in.defs[0]}, in.uses...)
	}
	if in.op == "hash" {
		sb.WriteString(" tmp " + in.defs[1].String() + ",")
	}
	if len(args) > 0 {
		sb.WriteString(" " + vregNames(args))
	}
	if in.op == "iconst" || in.op == "fconst" {
		sb.WriteString(" " + strconv.FormatInt(in.imm, 10))
	}
	return sb.String()
}

func vregNames(vs []VReg) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}

// parseFake reads the fake target's text form:
//
//	block0:
//	    v1 = iconst 5
//	    x1 = fconst 2          ; names starting with x are floats
//	    v2 = add v1, v1
//	    br v2, block1(v1), block2
//	block1(v3):
//	    ret v3
//
// Registers are numbered in order of first appearance.
func parseFake(name, text string) (*Func, error) {
	f := NewFunc(name)
	regs := map[string]VReg{}
	reg := func(s string) VReg {
		s = strings.TrimSpace(s)
		if r, ok := regs[s]; ok {
			return r
		}
		c := ClassInt
		if strings.HasPrefix(s, "x") {
			c = ClassFloat
		}
		r := f.NewVReg(c)
		regs[s] = r
		return r
	}
	regList := func(s string) []VReg {
		var out []VReg
		for _, p := range strings.Split(s, ",") {
			if strings.TrimSpace(p) != "" {
				out = append(out, reg(p))
			}
		}
		return out
	}
	type edge struct {
		from   BlockID
		target int
		args   string
	}
	var edges []edge
	blocks := map[int]BlockID{}
	cur := BlockID(0)
	for ln, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "block") && strings.HasSuffix(line, ":") {
			head := strings.TrimSuffix(line, ":")
			num, params, _ := strings.Cut(strings.TrimPrefix(head, "block"), "(")
			n, err := strconv.Atoi(num)
			if err != nil || n != len(f.Blocks) {
				return nil, fmt.Errorf("line %d: blocks must be numbered in order", ln+1)
			}
			cur = f.NewBlock(regList(strings.TrimSuffix(params, ")"))...)
			blocks[n] = cur
			f.StartBlock(cur)
			continue
		}
		lhs, rhs, hasDef := strings.Cut(line, "=")
		if !hasDef {
			rhs, lhs = lhs, ""
		}
		rhs = strings.TrimSpace(rhs)
		op, rest, _ := strings.Cut(rhs, " ")
		in := &fakeInst{op: op}
		if lhs != "" {
			in.defs = regList(lhs)
		}
		switch op {
		case "iconst", "fconst":
			in.imm, _ = strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		case "jump", "br":
			parts := splitTargets(rest)
			for _, p := range parts {
				p = strings.TrimSpace(p)
				if !strings.HasPrefix(p, "block") {
					in.uses = append(in.uses, reg(p))
					continue
				}
				num, args, _ := strings.Cut(strings.TrimPrefix(p, "block"), "(")
				n, err := strconv.Atoi(num)
				if err != nil {
					return nil, fmt.Errorf("line %d: bad target %q", ln+1, p)
				}
				edges = append(edges, edge{cur, n, strings.TrimSuffix(args, ")")})
			}
		case "hash":
			in.uses = regList(rest)
			in.defs = append(in.defs, f.NewVReg(ClassInt))
		case "addto":
			all := regList(rest)
			if len(all) != 2 {
				return nil, fmt.Errorf("line %d: addto takes two registers", ln+1)
			}
			in.defs, in.uses = all[:1], all[1:]
		default:
			in.uses = regList(rest)
		}
		if err := checkFakeArity(in); err != nil {
			return nil, fmt.Errorf("line %d: %v", ln+1, err)
		}
		f.Append(in)
	}
	for _, e := range edges {
		t, ok := blocks[e.target]
		if !ok {
			return nil, fmt.Errorf("unknown block%d", e.target)
		}
		f.AddSucc(e.from, t, regList(e.args)...)
	}
	return f, nil
}

// splitTargets splits "v1, block1(v2, v3), block2" at top-level commas.
func splitTargets(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

var fakeArity = map[string][2]int{
	"iconst": {1, 0}, "fconst": {1, 0}, "add": {1, 2}, "sub": {1, 2}, "fadd": {1, 2}, "fmul": {1, 2},
	"lea": {1, 2}, "mov": {1, 1}, "fmov": {1, 1}, "f2i": {1, 1}, "i2f": {1, 1}, "load": {1, 1},
	"shl": {1, 2}, "div": {2, 2}, "hash": {2, 1}, "addto": {1, 1}, "store": {0, 2}, "push": {0, 1},
	"jump": {0, 0}, "br": {0, 1},
}

func checkFakeArity(in *fakeInst) error {
	switch in.op {
	case "call":
		if len(in.uses) > 2 || len(in.defs) > 1 {
			return fmt.Errorf("call takes at most 2 arguments and 1 result")
		}
		return nil
	case "fcall":
		if len(in.uses) > 1 || len(in.defs) > 1 {
			return fmt.Errorf("fcall takes at most 1 argument and 1 result")
		}
		return nil
	case "ret":
		if len(in.uses) > 1 || len(in.defs) > 0 {
			return fmt.Errorf("ret takes at most 1 value")
		}
		return nil
	}
	a, ok := fakeArity[in.op]
	if !ok {
		return fmt.Errorf("unknown op %q", in.op)
	}
	if len(in.defs) != a[0] || len(in.uses) != a[1] {
		return fmt.Errorf("%s takes %d results and %d arguments", in.op, a[0], a[1])
	}
	return nil
}
