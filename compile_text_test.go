package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/moat-run/moat"
)

func TestCompileTextAndCall(t *testing.T) {
	ctx := context.Background()
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for name, compile := range map[string]func([]byte) (*moat.Module, error){
		"CompileText": engine.CompileText,
		"Compile":     engine.Compile,
	} {
		mod, err := compile([]byte(addWat))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		inst, err := moat.NewStore(engine).Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		res, err := inst.Func("add").Call(ctx, moat.EncodeI32(40), moat.EncodeI32(2))
		if err != nil {
			t.Fatal(err)
		}
		if got := moat.DecodeI32(res[0]); got != 42 {
			t.Errorf("%s: add(40, 2) = %d", name, got)
		}
	}
}

func TestCompileTextErrors(t *testing.T) {
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.CompileText([]byte("(module\n  (func (i32.bogus)))"))
	var ce *moat.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a *CompileError", err)
	}
	if ce.Kind != moat.Malformed || ce.Line != 2 || ce.Column != 10 {
		t.Errorf("got %+v, want malformed at 2:10", ce)
	}
	// Text that parses but does not validate is Invalid.
	_, err = engine.Compile([]byte(`(func (result i32))`))
	if !errors.As(err, &ce) || ce.Kind != moat.Invalid {
		t.Errorf("got %v, want an invalid-module CompileError", err)
	}
	// Empty or binary-looking input still goes to the decoder.
	for _, src := range []string{"", "  \n", "\x00as", "asm"} {
		_, err = engine.Compile([]byte(src))
		if !errors.As(err, &ce) || ce.Kind != moat.Malformed || ce.Line != 0 {
			t.Errorf("%q: got %v, want a malformed binary error", src, err)
		}
	}
	// Comments may come first.
	if _, err := engine.Compile([]byte(";; a module\n(module)")); err != nil {
		t.Error(err)
	}
}

func TestWat2Wasm(t *testing.T) {
	b, err := moat.Wat2Wasm([]byte(addWat))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("not a module: % x", b)
	}
	engine, _ := moat.NewEngine(moat.Config{})
	if _, err := engine.Compile(b); err != nil {
		t.Fatal(err)
	}
	if _, err := moat.Wat2Wasm([]byte("(module (func $f) (func $f))")); err == nil {
		t.Error("duplicate function name accepted")
	}
}

// A module compiled from text reports the same trap offsets as its binary:
// offsets in the module Wat2Wasm gives, not positions inside a body.
func TestCompileTextTrapOffsets(t *testing.T) {
	const src = `(module
  (func $f (export "f") (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0))))`
	ctx := context.Background()
	engine := newEngine(t, moat.Config{})
	offsets := func(mod *moat.Module) []int {
		inst, err := moat.NewStore(engine).Instantiate(ctx, mod)
		if err != nil {
			t.Fatal(err)
		}
		_, err = inst.Func("f").Call(ctx, 0)
		var trap *moat.Trap
		if !errors.As(err, &trap) || len(trap.Frames) != 1 {
			t.Fatalf("got %v, want a trap in f", err)
		}
		var offs []int
		for _, f := range trap.Frames {
			offs = append(offs, f.Offset)
		}
		return offs
	}
	fromText := offsets(compile(t, engine, src))
	fromBinary, err := engine.Compile(wat2wasm(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if want := offsets(fromBinary); fmt.Sprint(fromText) != fmt.Sprint(want) {
		t.Errorf("trap offsets from text %v, from the binary %v", fromText, want)
	}
}
