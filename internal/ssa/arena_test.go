package ssa

import (
	"testing"
	"unsafe"
)

// TestArenaTakeZeroedAfterReset: what take hands out is zero, on a new
// chunk and after reset (which clears what was taken, on every chunk
// used, so that take need not), lists have capacity n, and a request
// larger than what is left moves on to a later chunk or a new one.
func TestArenaTakeZeroedAfterReset(t *testing.T) {
	var a chunkArena[int64]
	sizes := []int{1, 3, 16, 5, 2000, 7, 1, 600, 600, 9}
	for round := range 3 {
		for _, n := range sizes {
			s := a.take(n)
			if len(s) != n || cap(s) != n {
				t.Fatalf("round %d: take(%d) has len %d cap %d", round, n, len(s), cap(s))
			}
			for i, x := range s {
				if x != 0 {
					t.Fatalf("round %d: take(%d)[%d] = %d, want 0", round, n, i, x)
				}
				s[i] = int64(round*1000 + n + 1) // dirty it for the next round
			}
		}
		a.reset()
	}
}

// TestFuncResetReusesZeroedInsts: an instruction taken after Func.Reset
// is zero whatever the last function left in its storage.
func TestFuncResetReusesZeroedInsts(t *testing.T) {
	f := NewFunc("f", Signature{})
	for range 3000 {
		in := f.newInst()
		if in.Op != 0 || in.Args != nil || in.Results != nil || in.Targets != nil || in.Imm != 0 || in.Pos != 0 {
			t.Fatalf("newInst is not zero before any reset: %+v", *in)
		}
		in.Op, in.Imm, in.Pos, in.Args = OpIadd, 7, 9, f.valueList(2)
	}
	f.Reset("g", Signature{})
	for range 3000 {
		in := f.newInst()
		if in.Op != 0 || in.Args != nil || in.Imm != 0 || in.Pos != 0 {
			t.Fatalf("newInst after Reset is not zero: %+v", *in)
		}
	}
	if l := f.valueList(0); l != nil {
		t.Fatalf("valueList(0) = %v, want nil", l)
	}
}

// TestInstSize: every pass walks the instructions, so the record stays at
// 112 bytes (the one-result slot fills what was padding).
func TestInstSize(t *testing.T) {
	if s := unsafe.Sizeof(Inst{}); s != 112 {
		t.Errorf("Inst is %d bytes, want 112", s)
	}
}

// TestOneResultInline: a one-result instruction's result lives in the
// instruction, and a multi-result one gets a list of its own.
func TestOneResultInline(t *testing.T) {
	f := NewFunc("f", Signature{Params: []Type{I32, I32}})
	b := NewBuilder(f)
	b.CreateEntryBlock()
	in := &Inst{Op: OpIadd, Args: []Value{f.Blocks[0].Params[0], f.Blocks[0].Params[1]}}
	res := b.Insert(in)
	if len(res) != 1 || cap(res) != 1 || &res[0] != &in.result[0] {
		t.Errorf("results %v not in the instruction's slot", res)
	}
	if d, i := f.ValueInst(res[0]); d != in || i != 0 {
		t.Errorf("ValueInst(%s) = %p, %d", res[0], d, i)
	}
}

// TestValueDataSize: the value table has about one entry per byte of
// code, so its record stays at 24 bytes.
func TestValueDataSize(t *testing.T) {
	if s := unsafe.Sizeof(valueData{}); s != 24 {
		t.Errorf("valueData is %d bytes, want 24", s)
	}
}
