package compiler

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// errCounter is a context that never ends and counts the looks at it: a
// visit to Go looks once (Runner.poll).
type errCounter struct {
	context.Context
	looks atomic.Int64
}

func (c *errCounter) Err() error {
	c.looks.Add(1)
	return nil
}

// TestReturnChainPolls: a recursion whose frames each run a long straight
// line after their call polls on its way back, once per frame, not only on
// its way down (function entries). With a grant of one poll, every poll
// visits Go and looks at the context.
func TestReturnChainPolls(t *testing.T) {
	src := fmt.Sprintf(`(module
	  (func $r (export "r") (param i32) (result i32) (local $x i32)
	    (if (local.get 0) (then (local.set $x (call $r (i32.sub (local.get 0) (i32.const 1))))))
	    %s
	    (local.get $x)))`, strings.Repeat("(local.set $x (i32.add (local.get $x) (i32.const 1)))", 50))
	e, err := New(Config{PollInterval: 1})
	if err != nil {
		t.Skip(err)
	}
	m := parseForTest(t, src)
	code, err := e.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	st := bindForTest(t, e.(*compilerEngine), m, code)
	const depth = 100
	ctx := &errCounter{Context: context.Background()}
	stack := []uint64{depth}
	if err := (executor{}).Call(ctx, st.inst.Funcs[0], stack); err != nil {
		t.Fatal(err)
	}
	if want := uint64((depth + 1) * 50); stack[0] != want {
		t.Fatalf("r(%d) = %d, want %d", depth, stack[0], want)
	}
	// depth+1 entries and depth returns into a frame with 200
	// instructions left: at least a visit each.
	if looks := ctx.looks.Load(); looks < 2*depth+1 {
		t.Errorf("%d visits for a recursion %d deep and back, want at least %d", looks, depth, 2*depth+1)
	}
}
