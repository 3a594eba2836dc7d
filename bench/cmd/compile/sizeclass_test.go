package main

import (
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/bench/peers"
)

// TestKeepBodies: the copies keep exactly the bodies of their class, stay
// valid modules whatever the functions' types, and keep the other sections.
func TestKeepBodies(t *testing.T) {
	wasm, err := moat.Wat2Wasm([]byte(`(module
		(memory 1)
		(data (i32.const 0) "hi")
		(func (export "small") (result i32) i32.const 1)
		(func (export "large") (param i32) (result i64)
			(local i64)
			local.get 0
			i64.extend_i32_u
			local.set 1
			local.get 1
			local.get 1
			i64.mul
			local.get 1
			i64.add))`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lo, hi, kept int
	}{{0, 0, 0}, {0, 8, 1}, {8, 1 << 20, 1}, {0, 1 << 20, 2}} {
		out, kept, _, err := keepBodies(wasm, c.lo, c.hi)
		if err != nil {
			t.Fatal(err)
		}
		if kept != c.kept {
			t.Errorf("[%d,%d): kept %d bodies, want %d", c.lo, c.hi, kept, c.kept)
		}
		if _, err := e.Compile(out); err != nil {
			t.Errorf("[%d,%d): the copy does not compile: %v", c.lo, c.hi, err)
		}
		if c.kept == 2 && string(out) != string(wasm) {
			t.Errorf("keeping every body changed the module")
		}
	}
	mods, err := bySizeClass([]peers.NamedModule{{Name: "m", Wasm: wasm}}, []int{8})
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 3 {
		t.Errorf("got %d copies, want none and two classes", len(mods))
	}
}
