package frontend

import (
	"encoding/binary"
	"runtime/debug"
	"slices"
	"testing"

	wasmbinary "github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/validate"
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

// A local assigned in each of 50,000 ifs in a row and read after them
// (450 KB of code): the read merges every join, each from the one before,
// and translation does it on a Go stack of 16 MiB, which a merge per join,
// recursing, overflows (a few million such ifs would pass the 1 GB that
// ends the process).
func TestLongChainOfJoinsTranslates(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	const n = 50000
	body := []byte{1, 1, 0x7f} // one i32 local besides the parameter
	for range n {
		// local.get 0; if; i32.const 1; local.set 1; end
		body = append(body, 0x20, 0, 0x04, 0x40, 0x41, 1, 0x21, 1, 0x0b)
	}
	body = append(body, 0x20, 1, 0x0b) // local.get 1; end
	mod := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	section := func(id byte, content []byte) {
		mod = append(binary.AppendUvarint(append(mod, id), uint64(len(content))), content...)
	}
	section(1, []byte{1, 0x60, 1, 0x7f, 1, 0x7f}) // (i32) -> i32
	section(3, []byte{1, 0})
	section(10, append(binary.AppendUvarint([]byte{1}, uint64(len(body))), body...))
	m, err := wasmbinary.Decode(mod)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Module(m); err != nil {
		t.Fatal(err)
	}
	f, err := Translate(m, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ssa.Verify(f); err != nil {
		t.Fatal(err)
	}
}
