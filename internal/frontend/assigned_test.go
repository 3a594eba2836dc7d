package frontend

import (
	"slices"
	"testing"

	"github.com/moat-run/moat/internal/ssa"
)

// A frame's log lists each variable it or its inner frames assigned once,
// whatever the nesting and however often they were assigned.
func TestAssignedLogsEachVariableOncePerFrame(t *testing.T) {
	var a assigned
	a.reset()
	outerStart, funcGen := a.open()
	a.note(1)
	a.note(1)
	innerStart, outerGen := a.open()
	a.note(1) // logged by the outer frame before the inner one opened
	a.note(2)
	deepStart, innerGen := a.open()
	a.note(2)
	a.note(3)
	if got := a.log[deepStart:]; !slices.Equal(got, []ssa.Variable{2, 3}) {
		t.Errorf("deepest frame logs %v, want [2 3]", got)
	}
	a.close(deepStart, innerGen)
	if got := a.log[innerStart:]; !slices.Equal(got, []ssa.Variable{1, 2, 3}) {
		t.Errorf("inner frame logs %v, want [1 2 3]", got)
	}
	a.note(3) // already the inner frame's
	a.close(innerStart, outerGen)
	if got := a.log[outerStart:]; !slices.Equal(got, []ssa.Variable{1, 2, 3}) {
		t.Errorf("outer frame logs %v, want [1 2 3]", got)
	}
	// A sibling frame opened after the first closed starts empty and
	// passes on only what is new to the outer frame.
	sibStart, outerGen := a.open()
	a.note(3)
	a.note(4)
	a.close(sibStart, outerGen)
	if got := a.log[outerStart:]; !slices.Equal(got, []ssa.Variable{1, 2, 3, 4}) {
		t.Errorf("outer frame after a sibling logs %v, want [1 2 3 4]", got)
	}
	// The function's own frame (generation 0) keeps no log: no join
	// follows it.
	a.close(outerStart, funcGen)
	if len(a.log) != 0 {
		t.Errorf("function frame logs %v, want nothing", a.log)
	}
}
