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
		newInstance := instancesOf(t, e, wat)
		inst := func() *moat.Instance {
			t.Helper()
			i := newInstance()
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

// The segments' state is shared with the module as a whole (every element
// segment dropped at instantiation, every active data segment in the
// image) or in part (a passive element segment of the instance's own
// beside shared data segments): in both, one instance's elem.drop and
// data.drop never reach another's segments.
func TestMixedSegmentsAfterDrop(t *testing.T) {
	for name, passive := range map[string]string{
		"all shared":            ``,
		"own elem, shared data": `(elem $e func $seven)`,
	} {
		wat := `(module (memory (export "mem") 1) (table 4 funcref)
	  (type $r (func (result i32)))
	  (func $seven (result i32) (i32.const 7))
	  (elem (i32.const 0) func $seven)
	  ` + passive + `
	  (data (i32.const 0) "a")
	  (data $p "passive!")
	  (func (export "init") (memory.init $p (i32.const 16) (i32.const 0) (i32.const 8)))
	  (func (export "drop") (data.drop $p))
	  (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0))))`
		if passive != "" {
			wat = wat[:len(wat)-1] + `
	  (func (export "tinit") (table.init $e (i32.const 1) (i32.const 0) (i32.const 1)))
	  (func (export "edrop") (elem.drop $e)))`
		}
		t.Run(name, func(t *testing.T) { mixedSegmentsAfterDrop(t, name, wat, passive != "") })
	}
}

// mixedSegmentsAfterDrop is one case of TestMixedSegmentsAfterDrop.
func mixedSegmentsAfterDrop(t *testing.T, name, wat string, ownElem bool) {
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		ctx := context.Background()
		inst := instancesOf(t, e, wat)
		a, b := inst(), inst()
		if _, err := a.Func("drop").Call(ctx); err != nil {
			t.Fatal(err)
		}
		if ownElem {
			if _, err := a.Func("edrop").Call(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var trap *moat.Trap
		if _, err := a.Func("init").Call(ctx); !errors.As(err, &trap) || trap.Code != moat.TrapMemoryOutOfBounds {
			t.Errorf("%s: memory.init of a dropped segment: %v", name, err)
		}
		for who, i := range map[string]*moat.Instance{"made before the drops": b, "made after": inst()} {
			if _, err := i.Func("init").Call(ctx); err != nil {
				t.Errorf("%s, an instance %s: memory.init: %v", name, who, err)
			} else if got := string(i.Memory("mem").Bytes()[16:24]); got != "passive!" {
				t.Errorf("%s, an instance %s: memory.init wrote %q", name, who, got)
			}
			if !ownElem {
				continue
			}
			if _, err := i.Func("tinit").Call(ctx); err != nil {
				t.Errorf("%s, an instance %s: table.init: %v", name, who, err)
			} else if r, err := i.Func("call").Call(ctx, 1); err != nil || r[0] != 7 {
				t.Errorf("%s, an instance %s: the element table.init wrote: %v, %v", name, who, r, err)
			}
		}
	})
}

// instancesOf prepares wat on e and returns a maker of its instances,
// each in a store of its own that the test closes at its end.
func instancesOf(t *testing.T, e *moat.Engine, wat string) func() *moat.Instance {
	t.Helper()
	pre, err := moat.NewLinker(e).Prepare(compile(t, e, wat))
	if err != nil {
		t.Fatal(err)
	}
	return func() *moat.Instance {
		t.Helper()
		s := moat.NewStore(e)
		t.Cleanup(func() { s.Close() })
		i, err := pre.Instantiate(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
}
