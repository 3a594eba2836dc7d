package moat_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/moat-run/moat"
)

const addWat = `(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b))))`

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
