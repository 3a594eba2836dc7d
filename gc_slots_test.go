package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
)

// TestGCStaleSlots: an array that one call used through temporary slots is
// garbage once the call returns, so a later call on the same store can
// allocate its room again (interpreter stacks are scanned conservatively,
// and a machine goes back to the pool after a call). Two such arrays do
// not fit the default heap.
func TestGCStaleSlots(t *testing.T) {
	e := newEngine(t, moat.Config{Engine: moat.EngineInterpreter})
	m := compile(t, e, `(module (type $a (array (mut i8)))
  (func (export "use") (result i32) (local $x (ref null $a))
    (local.set $x (array.new_default $a (i32.const 0x24000000)))
    (array.copy $a $a (local.get $x) (i32.const 1) (local.get $x) (i32.const 0) (i32.const 1))
    (array.len (local.get $x))))`)
	inst, err := moat.NewStore(e).Instantiate(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := inst.Func("use").Call(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}
