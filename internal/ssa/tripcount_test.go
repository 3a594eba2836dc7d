package ssa_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/ssa/ssatest"
)

// tripBounds parses src and returns TripBound of each loop by header ID
// (-1: no bound).
func tripBounds(t *testing.T, src string) map[int]int64 {
	t.Helper()
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(f); err != nil {
		t.Fatal(err)
	}
	cfg := ComputeCFG(f)
	lf := ComputeLoops(cfg, ComputeDomTree(cfg))
	got := map[int]int64{}
	for _, l := range lf.Loops {
		n, ok := TripBound(f, lf, l)
		if !ok {
			got[l.Header.ID] = -1
			continue
		}
		got[l.Header.ID] = int64(n)
	}
	return got
}

func TestTripBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want map[int]int64
	}{
		{"up to 10 tested after the step", `function %f(i32) {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 1
    v3 = iadd v1, v2
    v4 = iconst.i32 10
    v5 = icmp ult v3, v4
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: 11}},
		{"signed, constant first", `function %f(i32) {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 3
    v3 = iadd v2, v1
    v4 = iconst.i32 -5
    v5 = icmp sgt v4, v1
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: (1<<31-5+2)/3 + 1}}, // -5 > v1: v1 in [MIN, -6], 2^31-5 values, steps of 3
		{"down to zero, exact", `function %f() {
block0:
    v0 = iconst.i32 16999
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 -1
    v3 = iadd v1, v2
    brif v1, block1(v3), block2
block2:
    return
}`, map[int]int64{1: 17000}},
		{"not equal after the step, exact", `function %f() {
block0:
    v0 = iconst.i32 2
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 1
    v3 = iadd v1, v2
    v4 = iconst.i32 8193
    v5 = icmp eq v3, v4
    brif v5, block2, block1(v3)
block2:
    return
}`, map[int]int64{1: 8191}},
		{"isub counts down", `function %f(i64) {
block0(v0: i64):
    jump block1(v0)
block1(v1: i64):
    v2 = iconst.i64 4
    v3 = isub v1, v2
    v4 = iconst.i64 100
    v5 = icmp ugt v3, v4
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: (1<<64-101+3)/4 + 1}}, // v3 > 100: 2^64-101 values, steps of 4 back
		{"sieve: the step is the outer loop's counter", `function %f(i32) {
block0(v0: i32):
    v1 = iconst.i32 2
    jump block1(v1)
block1(v2: i32):
    v3 = iadd v2, v2
    jump block2(v3)
block2(v4: i32):
    v5 = iadd v4, v2
    v6 = iconst.i32 8193
    v7 = icmp ult v5, v6
    brif v7, block2(v5), block3
block3:
    v8 = iconst.i32 1
    v9 = iadd v2, v8
    v10 = iconst.i32 8193
    v11 = icmp ne v9, v10
    brif v11, block1(v9), block4
block4:
    return
}`, map[int]int64{1: 8191, 2: 4098}},
		{"step from a parameter", `function %f(i32, i32) {
block0(v0: i32, v9: i32):
    jump block1(v0)
block1(v1: i32):
    v3 = iadd v1, v9
    v4 = iconst.i32 10
    v5 = icmp ult v3, v4
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: -1}},
		{"a step that could carry round", `function %f(i32) {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 0x80000000
    v3 = iadd v1, v2
    v4 = iconst.i32 0x80000001
    v5 = icmp ult v3, v4
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: -1}},
		{"two latches", `function %f(i32) {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 1
    v3 = iadd v1, v2
    v4 = iconst.i32 10
    v5 = icmp ult v3, v4
    brif v1, block1(v3), block2
block2:
    brif v5, block1(v3), block3
block3:
    return
}`, map[int]int64{1: -1}},
		{"not equal from an unknown start", `function %f(i32) {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = iconst.i32 1
    v3 = iadd v1, v2
    v4 = iconst.i32 10
    v5 = icmp ne v3, v4
    brif v5, block1(v3), block2
block2:
    return
}`, map[int]int64{1: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tripBounds(t, tc.src)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("bounds by header = %v, want %v", got, tc.want)
			}
		})
	}
}

// A bound is never below the runs the loop makes: random tests, steps and
// starts, each loop run on ssatest's interpreter (one block a run).
func TestTripBoundHolds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ccs := []string{"eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"}
	checked := 0
	for i := 0; i < 20000; i++ {
		w := []int{32, 64}[rng.IntN(2)]
		typ := fmt.Sprintf("i%d", w)
		m := uint64(1)<<uint(w-1)*2 - 1
		near := func() uint64 {
			bases := []uint64{0, 1, 100, m>>1 - 50, m>>1 + 1, m - 100, m}
			return (bases[rng.IntN(len(bases))] + uint64(rng.IntN(200)) - 100) & m
		}
		steps := []uint64{1, 2, 3, 7, m, m - 2, m >> 1, m>>1 + 1, uint64(rng.IntN(300))}
		step := steps[rng.IntN(len(steps))] & m
		c, start := near(), near()
		if rng.IntN(2) == 0 {
			start = (c - uint64(rng.IntN(3000))) & m
		}
		cc := ccs[rng.IntN(len(ccs))]
		tested := "v3"
		if rng.IntN(2) == 0 {
			tested = "v1"
		}
		loopBack := "brif v5, block1(v3), block2"
		if rng.IntN(2) == 0 {
			loopBack = "brif v5, block2, block1(v3)"
		}
		startDef := fmt.Sprintf("v0 = iconst.%s %d", typ, start)
		src := fmt.Sprintf(`function %%f() {
block0:
    %s
    jump block1(v0)
block1(v1: %s):
    v2 = iconst.%s %d
    v3 = iadd v1, v2
    v4 = iconst.%s %d
    v5 = icmp %s %s, v4
    %s
block2:
    return
}`, startDef, typ, typ, step, typ, c, cc, tested, loopBack)
		f, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		cfg := ComputeCFG(f)
		lf := ComputeLoops(cfg, ComputeDomTree(cfg))
		n, ok := TripBound(f, lf, lf.Loops[0])
		if !ok || n > 1<<16 {
			continue
		}
		checked++
		mc := &ssatest.Machine{MaxSteps: int(n) + 2}
		if _, err := mc.Run(f, nil); err != nil {
			if errors.Is(err, ssatest.ErrTimeout) {
				t.Fatalf("bound %d, but the loop runs longer:\n%s", n, src)
			}
			t.Fatal(err)
		}
		if runs := mc.Steps - 2; uint64(runs) > n {
			t.Fatalf("bound %d, but the loop ran %d times:\n%s", n, runs, src)
		}
	}
	if checked < 2000 {
		t.Fatalf("only %d bounded loops checked", checked)
	}
}
