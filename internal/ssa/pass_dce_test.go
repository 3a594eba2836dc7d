package ssa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReferenceDCE is DCE by the textbook algorithm: mark the arguments (not
// the branch arguments) of every instruction that must stay, follow definitions with a work list
// (a live parameter marks its argument on every edge), then remove what
// is unmarked. DCE must agree with it exactly (TestDCEMatchesReference
// here on the golden inputs, TestDCEMatchesReferenceRandom on random
// functions).
func ReferenceDCE(f *Func) {
	removeUnreachable(f)
	live := make([]bool, f.NumValues())
	edges := incomingEdges(f)
	var work []Value
	mark := func(v Value) {
		if v >= 0 && int(v) < len(live) && !live[v] {
			live[v] = true
			work = append(work, v)
		}
	}
	for _, b := range f.Blocks {
		for _, in := range b.Insts {
			if !in.IsRemovableIfUnused() {
				for _, a := range in.Args {
					mark(a)
				}
			}
		}
	}
	for len(work) > 0 {
		v := work[len(work)-1]
		work = work[:len(work)-1]
		if in, _ := f.ValueInst(v); in != nil {
			for _, a := range in.Args {
				mark(a)
			}
		} else if b, i := f.ValueBlockParam(v); b != nil {
			for _, e := range edges[b.ID] {
				mark(e.term.Targets[e.slot].Args[i])
			}
		}
	}
	isLive := func(v Value) bool { return live[v] }
	for bi, b := range f.Blocks {
		var kept []*Inst
		for _, in := range b.Insts {
			if anyLive(in.Results, isLive) || !in.IsRemovableIfUnused() {
				kept = append(kept, in)
			}
		}
		b.Insts = kept
		if bi > 0 {
			removeDeadParams(f, b, isLive, edges[b.ID])
		}
	}
}

// TestDCEMatchesReference runs DCE and ReferenceDCE on every golden input
// and compares the results.
func TestDCEMatchesReference(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.ssa"))
	n := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		input, _, _ := strings.Cut(string(data), goldenSep)
		got, err := Parse(input)
		if err != nil || Verify(got) != nil {
			continue // the parser's and verifier's error cases
		}
		want, _ := Parse(input)
		DCE(got)
		ReferenceDCE(want)
		if got.String() != want.String() {
			t.Errorf("%s: DCE gives\n%s\nthe reference\n%s", file, got, want)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d golden inputs", n)
	}
}
