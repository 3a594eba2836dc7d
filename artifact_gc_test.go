package moat_test

import (
	"context"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
)

// gcArtifactWat allocates inline and through the runtime, casts to a
// final and a non-final type and reads the fields back: its code reads
// every type id through the instance's table, never as a constant.
const gcArtifactWat = `(module
  (type $base (sub (struct (field i32))))
  (type $mid (sub $base (struct (field i32) (field i64))))
  (type $leaf (sub final $mid (struct (field i32) (field i64) (field i8))))
  (type $arr (array (mut i32)))
  (func (export "run") (param i32) (result i32)
    (local $b (ref null $base)) (local $a (ref null $arr))
    (local.set $b (struct.new $leaf (local.get 0) (i64.const 5) (i32.const 3)))
    (local.set $a (array.new $arr (local.get 0) (i32.const 3000)))
    (i32.add
      (i32.add (struct.get $base 0 (ref.cast (ref $mid) (local.get $b)))
               (struct.get_u $leaf 2 (ref.cast (ref $leaf) (local.get $b))))
      (i32.add (ref.test (ref $arr) (local.get $a))
               (array.get $arr (local.get $a) (i32.const 2999))))))`

// otherTypesWat registers struct types first in a store, so that the
// ids of gcArtifactWat's types there differ from a fresh store's.
const otherTypesWat = `(module
  (type $x (struct (field f32) (field f32)))
  (type $y (array (mut f64)))
  (type $z (sub (struct (field i64))))
  (func (export "make") (result anyref) (struct.new $x (f32.const 1) (f32.const 2))))`

// TestArtifactGC: a GC module's artifact runs in a store whose type ids
// differ from those of the store the module was first run in, with the
// same results, and the heap verifies.
func TestArtifactGC(t *testing.T) {
	gcheap.SetVerify(true)
	e := compilerEngine(t, moat.Config{})
	mod, err := e.CompileText([]byte(gcArtifactWat))
	if err != nil {
		t.Fatal(err)
	}
	run := func(e *moat.Engine, mod *moat.Module, first string) uint64 {
		t.Helper()
		s := moat.NewStore(e)
		defer s.Close()
		if first != "" {
			other, err := e.CompileText([]byte(first))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := s.Instantiate(context.Background(), other)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := inst.Func("make").Call(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		inst, err := s.Instantiate(context.Background(), mod)
		if err != nil {
			t.Fatal(err)
		}
		r, err := inst.Func("run").Call(context.Background(), 40)
		if err != nil {
			t.Fatal(err)
		}
		return r[0]
	}
	want := uint64(40 + 3 + 1 + 40)
	if got := run(e, mod, ""); got != want {
		t.Fatalf("compiled module: %d, want %d", got, want)
	}
	e2 := compilerEngine(t, moat.Config{})
	loaded := viaFile(t, e2, mod, t.TempDir())
	for _, first := range []string{"", otherTypesWat} {
		if got := run(e2, loaded, first); got != want {
			t.Errorf("artifact (other types first: %v): %d, want %d", first != "", got, want)
		}
	}
	if n, err := gcheap.VerifyFailures(); n != 0 {
		t.Fatalf("%d heap verifications failed, last: %v", n, err)
	}
}
