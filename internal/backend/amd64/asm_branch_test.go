package amd64

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestBranchMatchesEmit checks Assembler.Jump and JumpIf against Emit of
// Jmp and Jcc: the same code after Finish for every condition, forward
// and backward, short and long, and the same error for a label that is
// not the Assembler's.
func TestBranchMatchesEmit(t *testing.T) {
	build := func(direct bool, gap int) ([]byte, error) {
		var a Assembler
		labels := []Label{a.NewLabel(), a.NewLabel()}
		a.Bind(labels[0])
		for c := Cond(0); c < 16; c++ {
			for _, l := range labels {
				if direct {
					a.JumpIf(c, l)
					a.Jump(l)
				} else {
					a.Emit(Jcc(c, l))
					a.Emit(Jmp(l))
				}
			}
			a.Nop(gap)
		}
		a.Bind(labels[1])
		a.Emit(I(RET, 0))
		code, _, err := a.Finish()
		return code, err
	}
	for _, gap := range []int{0, 3, 200} {
		want, err := build(false, gap)
		if err != nil {
			t.Fatal(err)
		}
		got, err := build(true, gap)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("gap %d: Jump/JumpIf give\n% x\nEmit gives\n% x", gap, got, want)
		}
	}

	// The template path of emission (isPlainBranch) and the listing.
	if !isPlainBranch(&Inst{Op: JCC, Cond: CondE, Args: [3]Operand{L(1)}}) || isPlainBranch(&Inst{Op: JMP, Args: [3]Operand{R(RAX)}}) ||
		isPlainBranch(&Inst{Op: JMP, Size: S32, Args: [3]Operand{L(1)}}) {
		t.Error("isPlainBranch")
	}
	for _, listing := range []bool{false, true} {
		var a, b Assembler
		if listing {
			a.Listing, b.Listing = &strings.Builder{}, &strings.Builder{}
		}
		l := a.NewLabel()
		b.NewLabel()
		a.JumpIf(CondNE, l)
		b.Emit(Jcc(CondNE, l))
		a.Jump(l + 5) // not a's: the general path's error
		b.Emit(Jmp(l + 5))
		if !reflect.DeepEqual(a.Err(), b.Err()) || a.Err() == nil {
			t.Errorf("listing %v: errors %v and %v", listing, a.Err(), b.Err())
		}
		if listing && a.Listing.String() != b.Listing.String() {
			t.Errorf("listing %q, want %q", a.Listing.String(), b.Listing.String())
		}
	}
}
