package backend

import (
	"math/rand"
	"testing"
)

// flatCopy rebuilds f with AppendFlat, as a target that writes operands
// into Ops itself does: each instruction's operands are placed at the end
// of Ops after some unused ones (the old copies a target leaves when it
// moves an instruction's operands), and instructions are appended in
// layout order while their operands were written in another (shuffled) one.
func flatCopy(f *Func, seed int64) *Func {
	r := rand.New(rand.NewSource(seed))
	g := NewFunc(f.Name)
	g.classes = append(g.classes, f.classes...)
	type span struct{ lo, hi int }
	spans := make([]span, len(f.Insts))
	order := r.Perm(len(f.Insts))
	for _, i := range order {
		for range r.Intn(3) {
			g.Ops = append(g.Ops, Operand{VReg: InvalidVReg, Kind: OperandKind(r.Intn(3))})
		}
		lo := len(g.Ops)
		g.Ops = append(g.Ops, f.InstOps(i)...)
		spans[i] = span{lo, len(g.Ops)}
	}
	for bi := range f.Blocks {
		b := &f.Blocks[bi]
		id := g.NewBlock(b.Params...)
		g.StartBlock(id)
		for i := b.Start; i < b.End; i++ {
			rec := f.recs[i]
			g.AppendFlat(f.Insts[i], spans[i].lo, spans[i].hi, rec.clobbers, rec.flags)
		}
	}
	for bi := range f.Blocks {
		for k, s := range f.Blocks[bi].Succs {
			g.AddSucc(BlockID(bi), s, f.Blocks[bi].SuccArgs[k]...)
		}
	}
	return g
}

// TestAppendFlatMatchesAppend allocates random functions built through
// the instructions' methods (Append) and through flat records whose
// operands lie anywhere in Ops (AppendFlat): the allocations are the same,
// and the checker, which asks the instructions themselves, accepts both.
func TestAppendFlatMatchesAppend(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := int64(0); seed < int64(n); seed++ {
		for ei, env := range []*MachineEnv{fakeEnv(), smallEnv()} {
			f := randomFunc(seed, 10+int(seed%150))
			g := flatCopy(f, seed)
			resF, err := Allocate(f, env)
			if err != nil {
				t.Fatalf("seed %d env %d: %v", seed, ei, err)
			}
			resG, err := Allocate(g, env)
			if err != nil {
				t.Fatalf("seed %d env %d: flat: %v", seed, ei, err)
			}
			if err := Check(g, env, resG); err != nil {
				t.Fatalf("seed %d env %d: flat: %v", seed, ei, err)
			}
			if a, b := f.Print(resF), g.Print(resG); a != b {
				t.Fatalf("seed %d env %d: allocations differ:\n%s\n%s", seed, ei, a, b)
			}
		}
	}
}

// TestRejectsBadRecords: flat records that do not describe their
// instructions are refused with an *Error, never a panic.
func TestRejectsBadRecords(t *testing.T) {
	build := func(lo, hi int, flags InstFlags) *Func {
		f := NewFunc("bad")
		b := f.NewBlock()
		f.StartBlock(b)
		v, w := f.NewVReg(ClassInt), f.NewVReg(ClassInt)
		f.Append(&fakeInst{op: "iconst", defs: []VReg{w}})
		f.Ops = append(f.Ops, Operand{VReg: v, Kind: Def}, Operand{VReg: w, Kind: Use})
		f.AppendFlat(&fakeInst{op: "mov", defs: []VReg{v}, uses: []VReg{w}}, lo, hi, 0, flags)
		f.Append(&fakeInst{op: "ret", uses: []VReg{v}})
		return f
	}
	if _, err := Allocate(build(1, 3, FlagMove), fakeEnv()); err != nil {
		t.Fatalf("a well-formed move refused: %v", err)
	}
	cases := map[string]*Func{
		"span past Ops":        build(1, 4, FlagMove),
		"negative span":        build(-1, 1, 0),
		"reversed span":        build(3, 1, 0),
		"move of one operand":  build(2, 3, FlagMove),
		"move with use first":  build(0, 2, FlagMove),
		"terminator mid-block": build(1, 3, FlagMove|FlagTerminator),
	}
	// A move reported by an instruction whose operands are not its
	// destination's def and its source's use.
	odd := NewFunc("odd")
	odd.StartBlock(odd.NewBlock())
	x, y := odd.NewVReg(ClassInt), odd.NewVReg(ClassInt)
	odd.Append(&fakeInst{op: "iconst", defs: []VReg{y}})
	odd.Append(oddMove{&fakeInst{op: "mov", defs: []VReg{x}, uses: []VReg{y}}})
	odd.Append(&fakeInst{op: "ret", uses: []VReg{x}})
	cases["move reported with other operands"] = odd
	for name, f := range cases {
		if _, err := Allocate(f, fakeEnv()); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error %T %v", name, err, err)
		}
	}
}

// oddMove reports its operands source first.
type oddMove struct{ *fakeInst }

func (m oddMove) Operands(v *OperandVisitor) {
	v.Use(m.uses[0])
	v.Def(m.defs[0])
}
