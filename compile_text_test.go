package moat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
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

// invalidWats are text modules that parse but do not validate, with the
// line and column the error is about.
var invalidWats = []struct {
	name      string
	src       string
	line, col int
	msg       string
}{
	{"type mismatch in a body", `(module
  (func (result i32)
    i32.const 1
    i64.const 2
    i32.add))`, 5, 5, "type mismatch"},
	{"folded type mismatch in a second function", `(module
  (func (export "ok"))
  (func (result i32)
    (i32.add (i32.const 1) (i64.const 2))))`, 4, 6, "type mismatch"},
	{"unknown function index", `(module
  (func $f
    (call 7)))`, 3, 6, "unknown function 7"},
	{"bad memory alignment", `(module
  (memory 1)
  (func (result i32)
    (i32.load align=8 (i32.const 0))))`, 4, 6, "alignment must not be larger than natural"},
	{"missing result at the function's end", `(module
  (func)
  (func (result i32)))`, 3, 3, "type mismatch"},
	{"global initialiser", `(module
  (global i32 (i32.const 0))
  (global i32 (i64.const 0)))`, 3, 3, "constant expression must produce [i32]"},
	{"memory too large", `(module

  (memory 70000))`, 3, 3, "memory size must be at most"},
	{"start function type", `(module
  (func (param i32))
  (start 0))`, 3, 3, "start function must have type"},
	{"data segment without memory", `(module
  (data (i32.const 0) "x"))`, 2, 3, "unknown memory 0"},
}

// TestCompileTextValidationPositions: a text module that parses but does
// not validate gives an Invalid *CompileError that says where, in the
// text, the instruction or field at fault was written.
func TestCompileTextValidationPositions(t *testing.T) {
	engine := newEngine(t, moat.Config{})
	for _, c := range invalidWats {
		_, err := engine.CompileText([]byte(c.src))
		var ce *moat.CompileError
		if !errors.As(err, &ce) || ce.Kind != moat.Invalid {
			t.Errorf("%s: got %v, want an invalid-module CompileError", c.name, err)
			continue
		}
		if ce.Line != c.line || ce.Column != c.col || ce.Offset < 0 || !strings.Contains(ce.Msg, c.msg) {
			t.Errorf("%s: got %d:%d (offset %d) %q, want %d:%d and %q", c.name, ce.Line, ce.Column, ce.Offset, ce.Msg, c.line, c.col, c.msg)
		}
		want := fmt.Sprintf("moat: invalid module at line %d, column %d (offset 0x%x)", c.line, c.col, ce.Offset)
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: message %q, want it to start %q", c.name, err.Error(), want)
		}
		// Compile reads text the same way.
		if _, err := engine.Compile([]byte(c.src)); !errors.As(err, &ce) || ce.Line != c.line || ce.Column != c.col {
			t.Errorf("%s: Compile gave %v", c.name, err)
		}
	}
	// With several exports, the validator's offset (the export section)
	// does not say which is at fault: no position rather than a wrong one.
	_, err := engine.CompileText([]byte(`(module (func (export "f")) (export "g" (func 9)))`))
	var ce *moat.CompileError
	if !errors.As(err, &ce) || ce.Kind != moat.Invalid || ce.Line != 0 || ce.Offset < 0 {
		t.Errorf("export of an unknown function: got %#v", err)
	}
}
