package moat_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm"
)

// errCounter is a context that never ends and counts the looks at it:
// the interpreter looks when a poll finds its grant used up (a visit).
type errCounter struct {
	context.Context
	looks atomic.Int64
}

func (c *errCounter) Err() error {
	c.looks.Add(1)
	return nil
}

// TestInterpreterReturnsPoll: the interpreter counts a return to a caller
// as a poll, so that a chain of returns visits Go like a chain of calls. A
// recursion 3/5 of the first grant deep (vm.DefaultPollInterval polls)
// uses the grant up only on its way back; one 1 deep does not.
func TestInterpreterReturnsPoll(t *testing.T) {
	src := fmt.Sprintf(`(module
	  (func $r (export "r") (param i32) (result i32) (local $x i32)
	    (if (local.get 0) (then (local.set $x (call $r (i32.sub (local.get 0) (i32.const 1))))))
	    %s
	    (local.get $x)))`, strings.Repeat("(local.set $x (i32.add (local.get $x) (i32.const 1)))", 20))
	e := newEngine(t, moat.Config{Engine: moat.EngineInterpreter})
	inst, err := moat.NewStore(e).Instantiate(context.Background(), compile(t, e, src))
	if err != nil {
		t.Fatal(err)
	}
	looks := func(depth uint64) int64 {
		t.Helper()
		ctx := &errCounter{Context: context.Background()}
		res, err := inst.Func("r").Call(ctx, depth)
		if err != nil {
			t.Fatal(err)
		}
		if want := (depth + 1) * 20; res[0] != want {
			t.Fatalf("r(%d) = %d, want %d", depth, res[0], want)
		}
		return ctx.looks.Load()
	}
	shallow, deep := looks(1), looks(vm.DefaultPollInterval*3/5)
	if deep <= shallow {
		t.Errorf("a recursion %d deep and back looked at its context %d times, one 1 deep %d: no visit on the way back", vm.DefaultPollInterval*3/5, deep, shallow)
	}
}
