package backend

import (
	"flag"
	"math/rand"
	"slices"
	"testing"
)

// genBlock is a block of a generated program before it becomes a Func.
type genBlock struct {
	params []VReg
	insts  []*fakeInst
	succs  []int
	args   [][]VReg
}

// progGen generates random structured programs for the fake target:
// straight code over the values in scope (including read-modify-writes, so
// the vcode is not always SSA), calls, fixed-register operations, if/else
// diamonds (some without else, making critical edges) and loops with
// block parameters (some branching straight back to the header).
type progGen struct {
	r      *rand.Rand
	f      *Func
	blocks []*genBlock
	cur    int
	budget int
}

type scope struct{ ints, floats []VReg }

func (s scope) clone() scope {
	return scope{append([]VReg(nil), s.ints...), append([]VReg(nil), s.floats...)}
}

func (g *progGen) newBlock(params ...VReg) int {
	g.blocks = append(g.blocks, &genBlock{params: params})
	return len(g.blocks) - 1
}

func (g *progGen) emit(in *fakeInst) {
	b := g.blocks[g.cur]
	b.insts = append(b.insts, in)
	g.budget--
}

func (g *progGen) jump(op string, uses []VReg, targets []int, args [][]VReg) {
	b := g.blocks[g.cur]
	b.insts = append(b.insts, &fakeInst{op: op, uses: uses})
	b.succs = targets
	b.args = args
}

func (g *progGen) pick(vs []VReg) VReg { return vs[g.r.Intn(len(vs))] }

func (g *progGen) args(s scope, params []VReg) []VReg {
	out := make([]VReg, len(params))
	for i, p := range params {
		if c, _ := g.f.Class(p); c == ClassFloat {
			out[i] = g.pick(s.floats)
		} else {
			out[i] = g.pick(s.ints)
		}
	}
	return out
}

func (g *progGen) newParams(n int) []VReg {
	ps := make([]VReg, n)
	for i := range ps {
		c := ClassInt
		if g.r.Intn(4) == 0 {
			c = ClassFloat
		}
		ps[i] = g.f.NewVReg(c)
	}
	return ps
}

func withParams(s scope, f *Func, ps []VReg) scope {
	for _, p := range ps {
		if c, _ := f.Class(p); c == ClassFloat {
			s.floats = append(s.floats, p)
		} else {
			s.ints = append(s.ints, p)
		}
	}
	return s
}

func (g *progGen) simple(s *scope) {
	// Keep the scope bounded, as real code does: old values die.
	if len(s.ints) > 24 {
		s.ints = append(s.ints[:0:0], s.ints[len(s.ints)-16:]...)
	}
	if len(s.floats) > 12 {
		s.floats = append(s.floats[:0:0], s.floats[len(s.floats)-8:]...)
	}
	ni := func() VReg { v := g.f.NewVReg(ClassInt); s.ints = append(s.ints, v); return v }
	nf := func() VReg { v := g.f.NewVReg(ClassFloat); s.floats = append(s.floats, v); return v }
	a, b := g.pick(s.ints), g.pick(s.ints)
	x, y := g.pick(s.floats), g.pick(s.floats)
	switch g.r.Intn(17) {
	case 0:
		g.emit(&fakeInst{op: "iconst", defs: []VReg{ni()}, imm: int64(g.r.Intn(100))})
	case 1, 2:
		g.emit(&fakeInst{op: "add", uses: []VReg{a, b}, defs: []VReg{ni()}})
	case 3, 4:
		g.emit(&fakeInst{op: "lea", uses: []VReg{a, b}, defs: []VReg{ni()}})
	case 5:
		g.emit(&fakeInst{op: "mov", uses: []VReg{a}, defs: []VReg{ni()}})
	case 6:
		g.emit(&fakeInst{op: "load", uses: []VReg{a}, defs: []VReg{ni()}})
	case 7:
		g.emit(&fakeInst{op: "shl", uses: []VReg{a, b}, defs: []VReg{ni()}})
	case 8:
		g.emit(&fakeInst{op: "div", uses: []VReg{a, b}, defs: []VReg{ni(), ni()}})
	case 9:
		g.emit(&fakeInst{op: "hash", uses: []VReg{a}, defs: []VReg{ni(), g.f.NewVReg(ClassInt)}})
	case 10:
		g.emit(&fakeInst{op: "addto", uses: []VReg{b}, defs: []VReg{a}})
	case 11:
		args := []VReg{a, b}[:g.r.Intn(3)]
		g.emit(&fakeInst{op: "call", uses: args, defs: []VReg{ni()}})
	case 12:
		g.emit(&fakeInst{op: "store", uses: []VReg{a, b}})
	case 13:
		g.emit(&fakeInst{op: "push", uses: []VReg{a}})
	case 14:
		g.emit(&fakeInst{op: []string{"fadd", "fmul"}[g.r.Intn(2)], uses: []VReg{x, y}, defs: []VReg{nf()}})
	case 15:
		if g.r.Intn(2) == 0 {
			g.emit(&fakeInst{op: "f2i", uses: []VReg{x}, defs: []VReg{ni()}})
		} else {
			g.emit(&fakeInst{op: "i2f", uses: []VReg{a}, defs: []VReg{nf()}})
		}
	case 16:
		g.emit(&fakeInst{op: "fcall", uses: []VReg{x}, defs: []VReg{nf()}})
	}
}

// region generates code starting in g.cur and leaves g.cur at the block
// where control continues; it returns the values in scope there.
func (g *progGen) region(s scope, depth int) scope {
	for g.budget > 0 {
		switch k := g.r.Intn(20); {
		case k == 0 && depth < 4:
			s = g.ifElse(s, depth)
		case k == 1 && depth < 4:
			s = g.loop(s, depth)
		case k == 2 && depth > 0:
			return s
		default:
			g.simple(&s)
		}
	}
	return s
}

func (g *progGen) ifElse(s scope, depth int) scope {
	cond := g.pick(s.ints)
	params := g.newParams(g.r.Intn(3))
	then := g.newBlock()
	noElse := g.r.Intn(3) == 0
	var els int
	if !noElse {
		els = g.newBlock()
	}
	merge := g.newBlock(params...)
	from := g.cur
	g.cur = then
	ts := g.region(s.clone(), depth+1)
	g.jump("jump", nil, []int{merge}, [][]VReg{g.args(ts, params)})
	if noElse {
		g.cur = from
		g.jump("br", []VReg{cond}, []int{then, merge}, [][]VReg{nil, g.args(s, params)})
	} else {
		g.cur = from
		g.jump("br", []VReg{cond}, []int{then, els}, [][]VReg{nil, nil})
		g.cur = els
		es := g.region(s.clone(), depth+1)
		g.jump("jump", nil, []int{merge}, [][]VReg{g.args(es, params)})
	}
	g.cur = merge
	return withParams(s, g.f, params)
}

func (g *progGen) loop(s scope, depth int) scope {
	params := g.newParams(1 + g.r.Intn(3))
	header := g.newBlock(params...)
	g.jump("jump", nil, []int{header}, [][]VReg{g.args(s, params)})
	g.cur = header
	bs := g.region(withParams(s.clone(), g.f, params), depth+1)
	cond := g.pick(bs.ints)
	exit := g.newBlock()
	if g.r.Intn(2) == 0 {
		g.jump("br", []VReg{cond}, []int{header, exit}, [][]VReg{g.args(bs, params), nil})
	} else {
		latch := g.newBlock()
		g.jump("br", []VReg{cond}, []int{latch, exit}, [][]VReg{nil, nil})
		g.cur = latch
		g.jump("jump", nil, []int{header}, [][]VReg{g.args(bs, params)})
	}
	g.cur = exit
	return bs
}

// randomFunc generates a function of about size instructions.
func randomFunc(seed int64, size int) *Func {
	g := &progGen{r: rand.New(rand.NewSource(seed)), f: NewFunc("random"), budget: size}
	g.cur = g.newBlock()
	s := scope{}
	for i := 0; i < 3; i++ {
		v := g.f.NewVReg(ClassInt)
		g.emit(&fakeInst{op: "iconst", defs: []VReg{v}, imm: int64(i)})
		s.ints = append(s.ints, v)
	}
	x := g.f.NewVReg(ClassFloat)
	g.emit(&fakeInst{op: "fconst", defs: []VReg{x}})
	s.floats = append(s.floats, x)
	s = g.region(s, 0)
	g.jump("ret", []VReg{g.pick(s.ints)}, nil, nil)
	// Lay the blocks out in creation order, dropping unreachable ones is not
	// needed: every created block is targeted.
	for bi, b := range g.blocks {
		id := g.f.NewBlock(b.params...)
		g.f.StartBlock(id)
		for _, in := range b.insts {
			g.f.Append(in)
		}
		_ = bi
	}
	for bi, b := range g.blocks {
		for k, s := range b.succs {
			g.f.AddSucc(BlockID(bi), BlockID(s), b.args[k]...)
		}
	}
	return g.f
}

// smallEnv is the fake target with only the three registers its fixed
// operands need, so nearly everything spills.
func smallEnv() *MachineEnv {
	env := fakeEnv()
	env.Allocatable[ClassInt] = []PReg{fr2, fr0, fr1}
	env.Allocatable[ClassFloat] = []PReg{ff1, ff0}
	env.CalleeSaved = 0
	return env
}

var seeds = flag.Int("seeds", 0, "random programs TestRandomPrograms allocates per register set (default 3000, 300 with -short)")

func TestRandomPrograms(t *testing.T) {
	n := *seeds
	if n == 0 {
		n = 3000
		if testing.Short() {
			n = 300
		}
	}
	for seed := int64(0); seed < int64(n); seed++ {
		for ei, env := range []*MachineEnv{fakeEnv(), smallEnv()} {
			f := randomFunc(seed, 10+int(seed%150))
			text := f.String()
			res, err := Allocate(f, env)
			if err != nil {
				t.Fatalf("seed %d env %d: allocate: %v\n%s", seed, ei, err, text)
			}
			if err := Check(f, env, res); err != nil {
				t.Fatalf("seed %d env %d: %v\n%s", seed, ei, err, f.Print(res))
			}
		}
	}
}

// TestAllocatorReuse allocates functions of very different sizes with one
// Allocator and checks every Result after all of them are done (a Result
// must share no memory with the Allocator), and that reuse changes nothing.
func TestAllocatorReuse(t *testing.T) {
	al := NewAllocator()
	env := smallEnv()
	type done struct {
		f   *Func
		res *Result
	}
	var all []done
	for i, size := range []int{2000, 20, 500, 5, 3000, 100} {
		f := randomFunc(int64(100+i), size)
		res, err := al.Allocate(f, env)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, done{f, res})
	}
	for i, d := range all {
		if err := Check(d.f, env, d.res); err != nil {
			t.Fatalf("function %d: %v", i, err)
		}
	}
	for i, size := range []int{2000, 20, 500, 5, 3000, 100} {
		f := randomFunc(int64(100+i), size)
		res, err := NewAllocator().Allocate(f, env)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := all[i].f.Print(all[i].res), f.Print(res); got != want {
			t.Fatalf("function %d: a reused Allocator allocates differently", i)
		}
	}
}

// TestRandomLiveness compares ComputeLiveness with the textbook iterative
// dataflow over sets of registers.
func TestRandomLiveness(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 100
	}
	for seed := int64(0); seed < int64(n); seed++ {
		f := randomFunc(seed, 10+int(seed%300))
		f.ComputePreds()
		l := ComputeLiveness(f)
		in, out := naiveLiveness(f)
		for b := range f.Blocks {
			if got, want := sortedVRegs(l.LiveIn(BlockID(b))), sortedSet(in[b]); !slices.Equal(got, want) {
				t.Fatalf("seed %d: live into block%d: got %v, want %v", seed, b, got, want)
			}
			if got, want := sortedVRegs(l.LiveOut(BlockID(b))), sortedSet(out[b]); !slices.Equal(got, want) {
				t.Fatalf("seed %d: live out of block%d: got %v, want %v", seed, b, got, want)
			}
		}
	}
}

// naiveLiveness is in = gen ∪ (out − kill), out = ∪ in(succ) ∪ args,
// iterated to a fixed point.
func naiveLiveness(f *Func) (in, out []map[VReg]bool) {
	nb := len(f.Blocks)
	gen, kill := make([]map[VReg]bool, nb), make([]map[VReg]bool, nb)
	in, out = make([]map[VReg]bool, nb), make([]map[VReg]bool, nb)
	for b := range f.Blocks {
		blk := &f.Blocks[b]
		gen[b], kill[b], in[b], out[b] = map[VReg]bool{}, map[VReg]bool{}, map[VReg]bool{}, map[VReg]bool{}
		for _, p := range blk.Params {
			kill[b][p] = true
		}
		for i := blk.Start; i < blk.End; i++ {
			var vis OperandVisitor
			f.Insts[i].Operands(&vis)
			for _, op := range vis.List() {
				if op.VReg >= NumPinned && op.Kind != Def && !kill[b][op.VReg] {
					gen[b][op.VReg] = true
				}
			}
			for _, op := range vis.List() {
				if op.Kind != Use {
					kill[b][op.VReg] = true
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for b := nb - 1; b >= 0; b-- {
			blk := &f.Blocks[b]
			for k, s := range blk.Succs {
				for v := range in[s] {
					out[b][v] = true
				}
				for _, a := range blk.SuccArgs[k] {
					out[b][a] = true
				}
			}
			for v := range out[b] {
				if !kill[b][v] && !in[b][v] {
					in[b][v], changed = true, true
				}
			}
			for v := range gen[b] {
				if !in[b][v] {
					in[b][v], changed = true, true
				}
			}
		}
	}
	return in, out
}

func sortedVRegs(vs []VReg) []VReg { return slices.Sorted(slices.Values(vs)) }

func sortedSet(m map[VReg]bool) []VReg {
	var vs []VReg
	for v := range m {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// TestRandomLivenessSearches makes sure TestRandomLiveness's programs
// reach liveInto's search: globals live into several separate ranges of
// blocks, asked about blocks between their first and last.
func TestRandomLivenessSearches(t *testing.T) {
	multi, between := 0, 0
	for seed := int64(0); seed < 100; seed++ {
		f := randomFunc(seed, 10+int(seed%300))
		f.ComputePreds()
		l := ComputeLiveness(f)
		for g, gr := range l.granges {
			if gr.end-gr.first < 2 {
				continue
			}
			multi++
			for b := gr.lo; b <= gr.hi; b++ {
				want := slices.ContainsFunc(l.ranges[gr.first:gr.end], func(r blockRange) bool { return r.lo <= b && b <= r.hi })
				if got := l.liveInto(BlockID(b), int32(g)); got != want {
					t.Fatalf("seed %d: global %d, block%d: liveInto %v, its ranges say %v", seed, g, b, got, want)
				}
				if !want {
					between++
				}
			}
		}
	}
	if multi == 0 || between == 0 {
		t.Fatalf("%d globals with several ranges, %d blocks between ranges: the search is not exercised", multi, between)
	}
	t.Logf("%d globals with several ranges, %d blocks between their ranges", multi, between)
}
