package moat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// castChain is a chain of 10 struct types, each a subtype of the one
// before, deeper than the compiler's display table (abi.GCDisplayMaxDepth),
// a sibling branch off $t2, and an array type.
func castChain() (wat string, names []string) {
	var b strings.Builder
	b.WriteString("(module\n (type $t0 (sub (struct)))\n")
	names = []string{"t0"}
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, " (type $t%d (sub $t%d (struct)))\n", i, i-1)
		names = append(names, fmt.Sprintf("t%d", i))
	}
	b.WriteString(" (type $u (sub $t2 (struct (field i32))))\n (type $a (array i8))\n")
	names = append(names, "u")
	for _, n := range names {
		fmt.Fprintf(&b, " (func (export \"new_%s\") (result anyref) (struct.new_default $%s))\n", n, n)
		fmt.Fprintf(&b, " (func (export \"is_%s\") (param anyref) (result i32) (ref.test (ref $%s) (local.get 0)))\n", n, n)
	}
	b.WriteString(` (func (export "new_a") (result anyref) (array.new_default $a (i32.const 2)))
 (func (export "is_struct") (param anyref) (result i32) (ref.test (ref struct) (local.get 0)))
 (func (export "is_array") (param anyref) (result i32) (ref.test (ref array) (local.get 0))))`)
	return b.String(), names
}

// TestGCCastDepths: ref.test of an object of every type of a deep
// hierarchy against every type, and against struct and array, on both
// engines: the compiler's inline display check for shallow targets and
// its runtime check for targets deeper than its table agree with the
// subtyping rules.
func TestGCCastDepths(t *testing.T) {
	wat, names := castChain()
	depth := func(n string) int {
		if n == "u" {
			return 3
		}
		var d int
		fmt.Sscanf(n, "t%d", &d)
		return d
	}
	// sub reports whether type a is a subtype of type b.
	sub := func(a, b string) bool {
		if a == b {
			return true
		}
		if b == "u" {
			return false
		}
		if a == "u" {
			return depth(b) <= 2
		}
		return depth(b) <= depth(a)
	}
	eachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		defer s.Close()
		inst := instance(t, e, s, nil, wat)
		call := func(name string, args ...uint64) uint64 {
			r, err := inst.Func(name).Call(context.Background(), args...)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return r[0]
		}
		arr := call("new_a")
		for _, a := range names {
			obj := call("new_" + a)
			for _, b := range names {
				if got, want := call("is_"+b, obj) == 1, sub(a, b); got != want {
					t.Errorf("ref.test (ref $%s) of a $%s: %v, want %v", b, a, got, want)
				}
			}
			if call("is_struct", obj) != 1 || call("is_array", obj) != 0 {
				t.Errorf("$%s: not a struct only", a)
			}
			if call("is_"+a, arr) != 0 {
				t.Errorf("an array passes ref.test (ref $%s)", a)
			}
		}
		if call("is_array", arr) != 1 || call("is_struct", arr) != 0 {
			t.Error("the array: not an array only")
		}
	})
}
