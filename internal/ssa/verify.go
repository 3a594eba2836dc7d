package ssa

import (
	"fmt"
	"strings"
)

// VerifyError lists what is wrong with a function.
type VerifyError struct {
	Func     string
	Problems []string // "block3: v7 = iadd v1, v2: argument 2 (v2) has type i64, want i32"
}

const maxVerifyProblems = 20

func (e *VerifyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ssa verify %s: ", funcNameText(e.Func))
	b.WriteString(strings.Join(e.Problems, "; "))
	return b.String()
}

// Verify checks that f is well formed (see the package documentation) and
// returns a *VerifyError describing the first problems found, or nil.
func Verify(f *Func) error {
	v := &verifier{f: f}
	v.run()
	if len(v.problems) == 0 {
		return nil
	}
	return &VerifyError{Func: f.Name, Problems: v.problems}
}

type verifier struct {
	f        *Func
	problems []string
	defBlock []*Block // by Value: the defining block
	defPos   []int    // by Value: -1 for a parameter, else instruction index
}

func (v *verifier) errorf(format string, args ...any) {
	if len(v.problems) < maxVerifyProblems {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	}
}

func (v *verifier) run() {
	f := v.f
	if len(f.Blocks) == 0 {
		v.errorf("no blocks")
		return
	}
	if !v.checkBlocksAndDefs() {
		return
	}
	entry := f.Blocks[0]
	if len(entry.Params) != len(f.Sig.Params) {
		v.errorf("block%d: the entry block has %d parameters, the signature %d", entry.ID, len(entry.Params), len(f.Sig.Params))
	} else {
		for i, p := range entry.Params {
			if t := f.ValueType(p); t != f.Sig.Params[i] {
				v.errorf("block%d: entry parameter %s has type %s, the signature says %s", entry.ID, p, t, f.Sig.Params[i])
			}
		}
	}
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			v.checkInst(b, in)
		}
	}
	if len(v.problems) > 0 {
		return
	}
	v.checkDominance()
}

// checkBlocksAndDefs checks block identity, terminators and that every
// value is defined once and recorded consistently in the value table.
// It reports whether the function is sound enough for the other checks.
func (v *verifier) checkBlocksAndDefs() bool {
	f := v.f
	n := f.NumBlockIDs()
	seen := make([]bool, n)
	v.defBlock = make([]*Block, len(f.values))
	v.defPos = make([]int, len(f.values))
	define := func(val Value, b *Block, pos int, what string) {
		if val < 0 || int(val) >= len(f.values) {
			v.errorf("block%d: %s defines %s, outside the value table", b.ID, what, val)
			return
		}
		if v.defBlock[val] != nil {
			v.errorf("block%d: %s redefines %s", b.ID, what, val)
			return
		}
		v.defBlock[val] = b
		v.defPos[val] = pos
	}
	// The pool's constants are defined before the entry block's first
	// instruction, as its parameters are.
	for _, c := range f.pool.vals {
		if in := f.values[c].inst; in == nil || len(in.Results) != 1 || in.Results[0] != c || !in.Op.isPoolable() {
			v.errorf("the value table does not record %s as a constant of the pool", c)
			continue
		}
		define(c, f.Blocks[0], -1, "the constant pool")
	}
	for _, b := range f.Blocks {
		if b == nil || b.ID < 0 || b.ID >= n {
			v.errorf("a block has an ID outside [0, %d)", n)
			return false
		}
		if seen[b.ID] {
			v.errorf("block%d appears twice in the layout", b.ID)
			return false
		}
		seen[b.ID] = true
		for i, p := range b.Params {
			define(p, b, -1, "a parameter")
			if int(p) < len(f.values) && p >= 0 {
				if d := f.values[p]; d.block != b || int(d.index) != i || d.inst != nil {
					v.errorf("block%d: the value table does not record %s as parameter %d", b.ID, p, i)
				}
			}
		}
		if len(b.Insts) == 0 || !b.Insts[len(b.Insts)-1].Op.IsTerminator() {
			v.errorf("block%d does not end in a terminator", b.ID)
		}
		for i, in := range b.Insts {
			if in == nil {
				v.errorf("block%d: instruction %d is nil", b.ID, i)
				return false
			}
			if in.Op.IsTerminator() && i != len(b.Insts)-1 {
				v.errorf("block%d: terminator %s before the end of the block", b.ID, in.Op)
			}
			for j, r := range in.Results {
				define(r, b, i, in.Op.String())
				if r >= 0 && int(r) < len(f.values) {
					if d := f.values[r]; d.inst != in || int(d.index) != j || d.block != nil {
						v.errorf("block%d: the value table does not record %s as result %d of its %s", b.ID, r, j, in.Op)
					}
				}
			}
		}
	}
	// Every branch target must be in the layout.
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			for _, t := range in.Targets {
				if t.Block == nil || t.Block.ID < 0 || t.Block.ID >= n || !seen[t.Block.ID] {
					v.errorf("block%d: %s targets a block that is not in the function", b.ID, in.Op)
				} else if t.Block == f.Blocks[0] {
					v.errorf("block%d: %s targets the entry block", b.ID, in.Op)
				}
			}
		}
	}
	if len(v.problems) > 0 {
		return false
	}
	// Every operand must be defined somewhere.
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			ok := true
			in.forEachUse(func(p *Value) {
				if *p < 0 || int(*p) >= len(f.values) || v.defBlock[*p] == nil {
					ok = false
				}
			})
			if !ok {
				v.errorf("block%d: %s: uses an undefined value", b.ID, f.InstString(in))
			}
		}
	}
	return len(v.problems) == 0
}

// checkDominance checks that each use is dominated by its definition.
// Block-call arguments are used at the end of the branching block.
func (v *verifier) checkDominance() {
	f := v.f
	cfg := ComputeCFG(f)
	dom := ComputeDomTree(cfg)
	for _, b := range f.Blocks {
		if !cfg.Reachable(b) {
			continue
		}
		for i, in := range b.Insts {
			in.forEachUse(func(p *Value) {
				db, dp := v.defBlock[*p], v.defPos[*p]
				ok := false
				if db == b {
					ok = dp < i
				} else {
					ok = dom.Dominates(db, b)
				}
				if !ok {
					v.errorf("block%d: %s: %s is not dominated by its definition in block%d", b.ID, f.InstString(in), *p, db.ID)
				}
			})
		}
	}
}
