package backend

import (
	"math/rand"
	"slices"
	"testing"
)

// TestSequenceMoves runs random parallel moves (permutations with fan-out,
// registers and slots) and compares the sequential result with the
// parallel semantics.
func TestSequenceMoves(t *testing.T) {
	env := fakeEnv()
	r := rand.New(rand.NewSource(1))
	locs := []Loc{RegLoc(fr0), RegLoc(fr1), RegLoc(fr2), RegLoc(fr3), SlotLoc(0), SlotLoc(1), SlotLoc(2)}
	for iter := 0; iter < 20000; iter++ {
		n := 1 + r.Intn(len(locs))
		dsts := r.Perm(len(locs))[:n]
		var moves []move
		for _, d := range dsts {
			moves = append(moves, move{locs[r.Intn(len(locs))], locs[d], ClassInt})
		}
		temps := map[int]bool{}
		seq := sequenceMoves(moves, env, func(c RegClass, k int) Loc { temps[100+k] = true; return SlotLoc(100 + k) })
		state := map[Loc]int{}
		for i, l := range locs {
			state[l] = i + 1
		}
		want := map[Loc]int{}
		for l, v := range state {
			want[l] = v
		}
		for _, m := range moves {
			want[m.to] = state[m.from]
		}
		for _, m := range seq {
			if m.from.IsSlot() && m.to.IsSlot() {
				t.Fatalf("slot to slot move %v", m)
			}
			state[m.to] = state[m.from]
		}
		for _, l := range locs {
			if state[l] != want[l] {
				t.Fatalf("moves %v: sequence %v leaves %v=%d, want %d", moves, seq, l, state[l], want[l])
			}
		}
	}
}

func TestLayoutFrame(t *testing.T) {
	env := fakeEnv()
	res := &Result{SlotClass: []RegClass{ClassInt, ClassFloat, ClassInt}}
	fr := LayoutFrame(res, env, RegSetOf(fr3, fr4), 8, 16)
	if fr.SlotOffsets[1] != 16 || fr.SlotOffsets[0] != 32 || fr.SlotOffsets[2] != 40 {
		t.Errorf("slot offsets %v", fr.SlotOffsets)
	}
	if len(fr.CalleeSavedOffsets) != 2 || fr.CalleeSavedOffsets[0] != 48 || fr.CalleeSavedOffsets[1] != 56 || fr.Size != 64 {
		t.Errorf("callee-saved %v size %d", fr.CalleeSavedOffsets, fr.Size)
	}
}

// TestRejects feeds malformed vcode: every case is an error, none a panic.
func TestRejects(t *testing.T) {
	cases := map[string]string{
		"undefined":      "block0:\n ret v1\n",
		"no terminator":  "block0:\n v1 = iconst 1\n",
		"early term":     "block0:\n ret\n ret\n",
		"arity":          "block0:\n jump block1\nblock1(v1):\n ret v1\n",
		"class mismatch": "block0:\n x1 = fconst 1\n jump block1(x1)\nblock1(v1):\n ret v1\n",
		"entry target":   "block0:\n jump block0\n",
	}
	for name, src := range cases {
		f, err := parseFake(name, src)
		if err != nil {
			t.Fatalf("%s: parse: %v", name, err)
		}
		if _, err := Allocate(f, fakeEnv()); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, ok := err.(*Error); !ok {
			t.Errorf("%s: error %T %v", name, err, err)
		}
	}
	// A fixed register outside the env and a pinned allocatable register.
	f := NewFunc("bad")
	b := f.NewBlock()
	f.StartBlock(b)
	v := f.NewVReg(ClassInt)
	f.Append(&fakeInst{op: "push", uses: []VReg{Pinned(fr0)}})
	f.Append(&fakeInst{op: "ret", uses: []VReg{v}})
	if _, err := Allocate(f, fakeEnv()); err == nil {
		t.Errorf("pinned allocatable register accepted")
	}
}

// TestRandomProgramsSlotSharing checks that slots are shared: a long
// function under pressure needs far fewer slots than spilled values.
func TestSlotSharing(t *testing.T) {
	f := randomFunc(42, 2000)
	env := smallEnv()
	res, err := Allocate(f, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(f, env, res); err != nil {
		t.Fatal(err)
	}
	if res.Stats.Spills == 0 || len(res.SlotClass) >= res.Stats.Spills {
		t.Errorf("%d slots for %d spills", len(res.SlotClass), res.Stats.Spills)
	}
	t.Logf("%d insts: %d slots, %+v", len(f.Insts), len(res.SlotClass), res.Stats)
}

func BenchmarkAllocate(b *testing.B) {
	for _, size := range []int{1000, 10000, 100000} {
		b.Run(itoa(size), func(b *testing.B) {
			funcs := make([]*Func, b.N)
			for i := range funcs {
				funcs[i] = randomFunc(int64(i), size)
			}
			env := fakeEnv()
			b.ResetTimer()
			insts := 0
			for i := 0; i < b.N; i++ {
				insts += len(funcs[i].Insts)
				if _, err := Allocate(funcs[i], env); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(insts), "ns/inst")
		})
	}
}

// BenchmarkAllocateReusing is BenchmarkAllocate the way the compiler
// allocates: one Allocator per goroutine and Results in its memory
// (AllocateReusing).
func BenchmarkAllocateReusing(b *testing.B) {
	for _, size := range []int{1000, 10000, 100000} {
		b.Run(itoa(size), func(b *testing.B) {
			funcs := make([]*Func, b.N)
			for i := range funcs {
				funcs[i] = randomFunc(int64(i), size)
			}
			env := fakeEnv()
			al := NewAllocator()
			b.ResetTimer()
			insts := 0
			for i := 0; i < b.N; i++ {
				insts += len(funcs[i].Insts)
				if _, err := al.AllocateReusing(funcs[i], env); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(insts), "ns/inst")
		})
	}
}

func itoa(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return itoa(n/1000) + "k"
	}
	s := ""
	for ; n > 0 || s == ""; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// TestEditsIndexed: EditsBefore and EditsIn read the index the allocator
// builds exactly as they would search the edits, for every range,
// instructions without edits and edits past the last instruction
// included.
func TestEditsIndexed(t *testing.T) {
	var edits []Edit
	for _, before := range []int{0, 0, 2, 5, 5, 5, 6, 9} {
		edits = append(edits, Edit{Before: before, From: RegLoc(fr3), To: SlotLoc(len(edits)), Class: ClassInt})
	}
	searched := &Result{Edits: edits}
	indexed := &Result{Edits: edits}
	indexed.indexEdits(8, nil) // the edit before instruction 9 is past them
	for start := -1; start <= 10; start++ {
		if got, want := indexed.EditsBefore(start), searched.EditsBefore(start); !slices.Equal(got, want) {
			t.Errorf("EditsBefore(%d) = %v, want %v", start, got, want)
		}
		for end := start; end <= 10; end++ {
			if got, want := indexed.EditsIn(start, end), searched.EditsIn(start, end); !slices.Equal(got, want) {
				t.Errorf("EditsIn(%d, %d) = %v, want %v", start, end, got, want)
			}
		}
	}
}
