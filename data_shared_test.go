package moat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

// Instances of a module whose active data segments all come from its
// memory image share the segments' state with the module until one drops
// a segment: a data.drop in one instance never reaches another, before
// or after, and dropped or applied segments stay dropped.
func TestDataSegmentsAfterDrop(t *testing.T) {
	const wat = `(module (memory (export "mem") 1)
	  (data (i32.const 0) "a") (data (i32.const 1) "b") (data (i32.const 2) "c")
	  (data $p "passive!")
	  (func (export "init") (param i32) (memory.init $p (local.get 0) (i32.const 0) (i32.const 8)))
	  (func (export "drop") (data.drop $p))
	  (func (export "initActive") (memory.init 0 (i32.const 100) (i32.const 0) (i32.const 1))))`
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		ctx := context.Background()
		pre, err := moat.NewLinker(e).Prepare(compile(t, e, wat))
		if err != nil {
			t.Fatal(err)
		}
		inst := func() *moat.Instance {
			t.Helper()
			s := moat.NewStore(e)
			t.Cleanup(func() { s.Close() })
			i, err := pre.Instantiate(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(i.Memory("mem").Bytes()[:3]); got != "abc" {
				t.Fatalf("memory starts %q, want the active segments' abc", got)
			}
			return i
		}
		trapsOOB := func(what string, err error) {
			t.Helper()
			var trap *moat.Trap
			if !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
				t.Errorf("%s: %v, want the out-of-bounds trap", what, err)
			}
		}
		a, b := inst(), inst()
		if _, err := a.Func("drop").Call(ctx); err != nil {
			t.Fatal(err)
		}
		trapsOOB("memory.init of a dropped segment", func() error { _, err := a.Func("init").Call(ctx, 16); return err }())
		trapsOOB("memory.init of an applied active segment", func() error { _, err := a.Func("initActive").Call(ctx); return err }())
		for name, i := range map[string]*moat.Instance{"an instance made before the drop": b, "one made after": inst()} {
			if _, err := i.Func("init").Call(ctx, 16); err != nil {
				t.Errorf("%s: memory.init: %v", name, err)
			} else if got := string(i.Memory("mem").Bytes()[16:24]); got != "passive!" {
				t.Errorf("%s: memory.init wrote %q", name, got)
			}
			trapsOOB(name+": memory.init of an applied active segment", func() error { _, err := i.Func("initActive").Call(ctx); return err }())
		}
	})
}
