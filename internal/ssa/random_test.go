package ssa_test

import (
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/moat-run/moat/internal/abi"
	. "github.com/moat-run/moat/internal/ssa"
)

// randomFunc builds a random valid function with the Builder's variables:
// a few blocks of random arithmetic, loads and stores, guarded divisions,
// trapping conversions and calls, with random branches between them. A
// fuel variable decremented in every block guarantees termination.
// Signature: (i32, i64, f32, f64) -> (i32, i64).
func randomFunc(r *rand.Rand) *Func {
	f := NewFunc("random", Signature{Params: []Type{I32, I64, F32, F64}, Results: []Type{I32, I64}})
	sig := f.AddSig(Signature{Params: []Type{I32, I64}, Results: []Type{I64}})
	b := NewBuilder(f)
	entry := b.CreateEntryBlock()
	types := []Type{I32, I64, F32, F64}
	var vars []Variable
	varTypes := map[Variable]Type{}
	for i := 0; i < 4+r.IntN(6); i++ {
		t := types[i%4]
		if i >= 4 {
			t = types[r.IntN(4)]
		}
		v := b.DeclareVar(t)
		varTypes[v] = t
		vars = append(vars, v)
		if i < 4 {
			b.DefVar(v, entry.Params[i])
		} else {
			b.DefVar(v, randomConst(b, r, t))
		}
	}
	varsOf := func(t Type) []Variable {
		var out []Variable
		for i, v := range vars {
			if types[i%4] == t && i < 4 || i >= 4 && varTypes[v] == t {
				out = append(out, v)
			}
		}
		return out
	}
	fuel := b.DeclareVar(I32)
	b.DefVar(fuel, b.Iconst(I32, int64(5+r.IntN(20))))

	n := 2 + r.IntN(7)
	blocks := make([]*Block, n)
	for i := range blocks {
		blocks[i] = b.CreateBlock()
	}
	exit := b.CreateBlock()
	b.Jump(blocks[0])
	for i, blk := range blocks {
		b.SwitchToBlock(blk)
		for k := r.IntN(8); k > 0; k-- {
			randomInst(b, r, sig, varsOf)
		}
		left := b.Isub(b.UseVar(fuel), b.Iconst(I32, 1))
		b.DefVar(fuel, left)
		cont := b.CreateBlock()
		b.Brif(b.Icmp(IntEQ, left, b.Iconst(I32, 0)), exit, nil, cont, nil)
		b.SealBlock(cont)
		b.SwitchToBlock(cont)
		pick := func() *Block { return blocks[r.IntN(n)] }
		switch r.IntN(4) {
		case 0:
			b.Jump(pick())
		case 1:
			c := b.UseVar(varsOf(I32)[0])
			b.Brif(c, pick(), nil, pick(), nil)
		case 2:
			c := b.UseVar(varsOf(I32)[0])
			b.BrTable(c, BlockCall{Block: pick()}, []BlockCall{{Block: pick()}, {Block: pick()}})
		default:
			if i+1 < n {
				b.Jump(blocks[i+1])
			} else {
				b.Jump(exit)
			}
		}
	}
	b.SealAllBlocks()
	b.SwitchToBlock(exit)
	b.Return(b.UseVar(varsOf(I32)[0]), b.UseVar(varsOf(I64)[0]))
	if err := b.Finish(); err != nil {
		panic(err)
	}
	return f
}

func randomConst(b *Builder, r *rand.Rand, t Type) Value {
	interesting := []int64{0, 1, -1, 2, 3, 8, 31, 32, 63, 64, math.MinInt32, math.MaxInt32, math.MinInt64, 255}
	c := interesting[r.IntN(len(interesting))]
	if r.IntN(3) == 0 {
		c = int64(r.Uint64())
	}
	switch t {
	case F32:
		fs := []float32{0, float32(math.Copysign(0, -1)), 1, -1.5, 3e38, float32(math.Inf(1)), float32(math.NaN()), 0.1}
		return b.F32const(fs[r.IntN(len(fs))])
	case F64:
		fs := []float64{0, math.Copysign(0, -1), 1, -1.5, 1e300, math.Inf(-1), math.NaN(), 0.1, 4294967296.5}
		return b.F64const(fs[r.IntN(len(fs))])
	}
	return b.Iconst(t, c)
}

var (
	randIntBinary   = []Opcode{OpIadd, OpIsub, OpImul, OpBand, OpBor, OpBxor, OpIshl, OpUshr, OpSshr, OpRotl, OpRotr}
	randIntUnary    = []Opcode{OpBnot, OpClz, OpCtz, OpPopcnt, OpSextend8, OpSextend16}
	randFloatBinary = []Opcode{OpFadd, OpFsub, OpFmul, OpFdiv, OpFmin, OpFmax, OpFcopysign}
	randFloatUnary  = []Opcode{OpFneg, OpFabs, OpSqrt, OpCeil, OpFloor, OpTrunc, OpNearest}
)

func randomInst(b *Builder, r *rand.Rand, sig SigRef, varsOf func(Type) []Variable) {
	intT := []Type{I32, I64}[r.IntN(2)]
	floatT := []Type{F32, F64}[r.IntN(2)]
	use := func(t Type) Value {
		if r.IntN(4) == 0 {
			return randomConst(b, r, t)
		}
		vs := varsOf(t)
		return b.UseVar(vs[r.IntN(len(vs))])
	}
	def := func(x Value) {
		vs := varsOf(b.Func().ValueType(x))
		b.DefVar(vs[r.IntN(len(vs))], x)
	}
	switch r.IntN(16) {
	case 0, 1, 2, 3:
		x := use(intT)
		y := x
		if r.IntN(5) > 0 {
			y = use(intT)
		}
		def(b.Binary(randIntBinary[r.IntN(len(randIntBinary))], x, y))
	case 4:
		def(b.Unary(randIntUnary[r.IntN(len(randIntUnary))], use(intT)))
	case 5:
		def(b.Icmp(IntCC(r.IntN(int(IntUGE)+1)), use(intT), use(intT)))
	case 6:
		def(b.Select(use(I32), use(intT), use(intT)))
	case 7:
		x, y := use(intT), use(intT)
		b.Trapz(y, abi.TrapIntegerDivideByZero)
		ops := []Opcode{OpUdiv, OpUrem, OpSrem, OpSdiv}
		op := ops[r.IntN(len(ops))]
		if op == OpSdiv {
			minC := b.Iconst(intT, math.MinInt64)
			if intT == I32 {
				minC = b.Iconst(intT, math.MinInt32)
			}
			ov := b.Band(b.Icmp(IntEQ, x, minC), b.Icmp(IntEQ, y, b.Iconst(intT, -1)))
			b.Trapnz(ov, abi.TrapIntegerOverflow)
		}
		def(b.Binary(op, x, y))
	case 8:
		def(b.Binary(randFloatBinary[r.IntN(len(randFloatBinary))], use(floatT), use(floatT)))
	case 9:
		def(b.Unary(randFloatUnary[r.IntN(len(randFloatUnary))], use(floatT)))
	case 10:
		def(b.Fcmp(FloatCC(r.IntN(int(FloatGE)+1)), use(floatT), use(floatT)))
	case 11:
		ops := []Opcode{OpFcvtToSint, OpFcvtToUint, OpFcvtToSintSat, OpFcvtToUintSat}
		def(b.Convert(ops[r.IntN(len(ops))], intT, use(floatT)))
	case 12:
		switch r.IntN(6) {
		case 0:
			def(b.Uextend(use(I32)))
		case 1:
			def(b.Sextend(use(I32)))
		case 2:
			def(b.Ireduce(use(I64)))
		case 3:
			ops := []Opcode{OpFcvtFromSint, OpFcvtFromUint}
			def(b.Convert(ops[r.IntN(2)], floatT, use(intT)))
		case 4:
			if floatT == F32 {
				def(b.Convert(OpFdemote, F32, use(F64)))
			} else {
				def(b.Convert(OpFpromote, F64, use(F32)))
			}
		default:
			from := []Type{I32, I64, F32, F64}[r.IntN(4)]
			to := map[Type]Type{I32: F32, F32: I32, I64: F64, F64: I64}[from]
			def(b.Convert(OpBitcast, to, use(from)))
		}
	case 13:
		addr := b.Iconst(I64, int64(r.IntN(interpMemSize-8)))
		ops := []Opcode{OpLoad, OpUload8, OpSload8, OpUload16, OpSload16}
		t := intT
		op := ops[r.IntN(len(ops))]
		if op == OpLoad && r.IntN(2) == 0 {
			t = floatT
		}
		def(b.Load(op, t, addr, 0, MemNoTrap))
	case 14:
		addr := b.Iconst(I64, int64(r.IntN(interpMemSize-8)))
		x := use(intT)
		ops := []Opcode{OpStore, OpIstore8, OpIstore16}
		b.Store(ops[r.IntN(len(ops))], x, addr, 0, 0)
	case 15:
		res := b.Call(FuncRef(r.IntN(3)), sig, use(I32), use(I64))
		def(res[0])
	}
}

// TestRandomFunctions checks, on many random functions, that the builder
// produces verifier-clean SSA, that printing and parsing round-trip, and
// that every pass and the whole pipeline keep the function verifier-clean
// and behaving exactly as before.
func TestRandomFunctions(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	if s, err := strconv.Atoi(os.Getenv("MOAT_SSA_SEEDS")); err == nil {
		n = s // for longer soak runs
	}
	passes := []Pass{FoldPass, DCEPass, CopyPropPass, GVNPass, LICMPass, MergePass, BCEPass, {"pipeline", Optimize}}
	for seed := 0; seed < n; seed++ {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		f := randomFunc(r)
		if err := Verify(f); err != nil {
			t.Fatalf("seed %d: builder output does not verify: %v\n%s", seed, err, f)
		}
		text := f.String()
		g, err := Parse(text)
		if err != nil {
			t.Fatalf("seed %d: parse: %v\n%s", seed, err, text)
		}
		if g.String() != text {
			t.Fatalf("seed %d: round trip differs:\n%s\nvs\n%s", seed, text, g.String())
		}
		inputs := [][]uint64{
			{0, 0, 0, 0},
			{1, 2, uint64(math.Float32bits(1.5)), math.Float64bits(-2.25)},
			{0xffffffff, 1 << 63, uint64(math.Float32bits(float32(math.NaN()))), math.Float64bits(1e20)},
			{r.Uint64() & 0xffffffff, r.Uint64(), r.Uint64() & 0xffffffff, r.Uint64()},
		}
		var want []outcome
		for _, in := range inputs {
			want = append(want, interpret(f, in, 10000))
		}
		for _, pass := range passes {
			h, _ := Parse(text)
			if err := (Pipeline{Passes: []Pass{pass}, Verify: true}).Run(h); err != nil {
				t.Fatalf("seed %d: %v\ninput:\n%s\noutput:\n%s", seed, err, text, h)
			}
			out := h.String()
			if again, err := Parse(out); err != nil || again.String() != out {
				t.Fatalf("seed %d: %s output does not round-trip: %v\n%s", seed, pass.Name, err, out)
			}
			for i, in := range inputs {
				got := interpret(h, in, 10000)
				if got.String() != want[i].String() {
					t.Fatalf("seed %d: %s changed behaviour on %x:\nbefore %v\nafter  %v\ninput:\n%s\noutput:\n%s", seed, pass.Name, in, want[i], got, text, out)
				}
			}
		}
	}
}
