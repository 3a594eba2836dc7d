package ssatest

import (
	"testing"

	"github.com/moat-run/moat/internal/ssa"
)

// TestVectorValues checks the two-word convention for V128 arguments and
// results, 16-byte loads and stores, block parameters, select and a few
// vector opcodes (the spec suite in internal/frontend covers them all).
func TestVectorValues(t *testing.T) {
	f, err := ssa.Parse(`function %v(i64, v128, i32) -> v128, i32 {
block0(v0: i64, v1: v128, v2: i32):
    store notrap v1, v0+16
    v3 = load.v128 notrap v0+16
    v4 = splat.i32x4 v2
    v5 = viadd.i32x4 v3, v4
    v6 = vconst 0xffffffff000000000000000000000000
    v7 = select v2, v5, v6
    jump block1(v7)
block1(v8: v128):
    v9 = extractlane.i32x4 v8, 3
    v10 = insertlane.i16x8 v8, v2, 0
    v11 = vhigh_bits.i8x16 v10
    return v10, v11
}
`)
	if err != nil {
		t.Fatal(err)
	}
	if err := ssa.Verify(f); err != nil {
		t.Fatal(err)
	}
	m := &Machine{Memory: make(FlatMemory, 64)}
	got, err := m.Run(f, []uint64{0, 0x00000002_00000001, 0x80000004_00000003, 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint64{0x00000007_00000005, 0x80000009_00000008, 0x8000}
	if len(got) != len(want) {
		t.Fatalf("got %#x, want %#x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %#x, want %#x", got, want)
		}
	}
	if _, err := m.Run(f, []uint64{0, 1, 5}); err == nil {
		t.Error("a V128 argument given as one word was accepted")
	}
}
