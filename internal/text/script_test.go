package text

import (
	"testing"

	"github.com/moat-run/moat/internal/wasm"
)

func TestScript(t *testing.T) {
	src := `
(module $M (func (export "f") (param i32) (result i32) (local.get 0)))
(module binary "\00asm" "\01\00\00\00")
(register "m" $M)
(invoke "f" (i32.const -1))
(assert_return (invoke $M "f" (i32.const 7)) (i32.const 7))
(assert_return (invoke "g" (f32.const 1) (ref.null extern) (ref.extern 3))
  (f32.const nan:canonical) (f64.const nan:arithmetic) (ref.func) (ref.extern)
  (v128.const f32x4 1 nan:canonical -0 nan:arithmetic) (v128.const i16x8 -1 0 0 0 0 0 0 1))
(assert_trap (invoke "f") "unreachable")
(assert_trap (module (func unreachable) (start 0)) "unreachable")
(assert_exhaustion (invoke "f") "call stack exhausted")
(assert_malformed (module quote "(func (i32.const 0x))") "unknown operator")
(assert_malformed (module (func (bogus))) "unknown operator")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(get "g")
`
	s, err := ParseScript([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []CommandKind{CmdModule, CmdModule, CmdRegister, CmdAction, CmdAssertReturn, CmdAssertReturn,
		CmdAssertTrap, CmdAssertUninstantiable, CmdAssertExhaustion, CmdAssertMalformed, CmdAssertMalformed,
		CmdAssertInvalid, CmdAssertUnlinkable, CmdAction}
	if len(s.Commands) != len(want) {
		t.Fatalf("%d commands, want %d", len(s.Commands), len(want))
	}
	for i, c := range s.Commands {
		if c.Kind != want[i] {
			t.Errorf("command %d (line %d) is %s, want %s", i, c.Line, c.Kind, want[i])
		}
	}
	c := s.Commands
	if c[0].Module.Name != "$M" || c[0].Module.Module == nil || c[0].Line != 2 {
		t.Errorf("module: %+v", c[0])
	}
	if c[1].Module.Form != ModuleBinary || string(c[1].Module.Binary) != "\x00asm\x01\x00\x00\x00" {
		t.Errorf("binary module: %+v", c[1].Module)
	}
	if m, err := c[1].Module.Compile(); err != nil || m == nil {
		t.Errorf("binary module does not decode: %v", err)
	}
	if c[2].As != "m" || c[2].Name != "$M" {
		t.Errorf("register: %+v", c[2])
	}
	if a := c[3].Action; a.Kind != ActionInvoke || a.Args[0].Bits != 0xffffffff {
		t.Errorf("invoke: %+v", a)
	}
	if a := c[4].Action; a.Module != "$M" || c[4].Expected[0].Bits != 7 {
		t.Errorf("assert_return: %+v", c[4])
	}
	args, exp := c[5].Action.Args, c[5].Expected
	if args[0].Bits != 0x3f800000 || !args[1].Null || args[1].Type != wasm.ExternRef || args[2].Bits != 3 {
		t.Errorf("args: %+v", args)
	}
	if exp[0].NaN != CanonicalNaN || exp[1].NaN != ArithmeticNaN || exp[1].Type != wasm.F64 {
		t.Errorf("nan patterns: %+v", exp[:2])
	}
	if !exp[2].AnyRef || exp[2].Type != wasm.RefType(false, wasm.HeapFunc) || !exp[3].AnyRef || exp[3].Type != wasm.RefType(false, wasm.HeapExtern) {
		t.Errorf("reference wildcards: %+v", exp[2:4])
	}
	if v := exp[4]; v.Shape != "f32x4" || len(v.LaneNaN) != 4 || v.LaneNaN[1] != CanonicalNaN ||
		v.LaneNaN[3] != ArithmeticNaN || v.Bits != 0x3f800000 || v.Hi != 0x80000000 {
		t.Errorf("v128 pattern: %+v", v)
	}
	if v := exp[5]; v.Shape != "i16x8" || v.LaneNaN != nil || v.Bits != 0xffff || v.Hi != 1<<48 {
		t.Errorf("v128: %+v", v)
	}
	if c[7].Module.Module == nil || c[7].Text != "unreachable" {
		t.Errorf("assert_trap module: %+v", c[7])
	}
	if q := c[9].Module; q.Form != ModuleQuote || string(q.Quote) != "(func (i32.const 0x))" {
		t.Errorf("quoted module: %+v", q)
	} else if _, err := q.Compile(); err == nil {
		t.Error("malformed quoted module parsed")
	}
	if c[10].Module.Err == nil {
		t.Error("malformed text module in assert_malformed: no error kept")
	}
	if c[11].Module.Module == nil {
		t.Errorf("assert_invalid module: %v", c[11].Module.Err)
	}
	if a := c[13].Action; a.Kind != ActionGet || a.Field != "g" {
		t.Errorf("get: %+v", a)
	}
}

func TestScriptErrors(t *testing.T) {
	for _, src := range []string{
		`(module (func (bogus)))`,
		`(assert_return (invoke "f") (i32.const))`,
		`(assert_return (invoke "f") (f32.const nan:canonical`,
		`(frobnicate)`,
		`(register)`,
	} {
		if _, err := ParseScript([]byte(src)); err == nil {
			t.Errorf("%s: accepted", src)
		}
	}
}
