package compiler_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// backtraceCase is a program whose call of "main" (in the last module)
// traps. Earlier modules are instantiated first and registered under
// their names for the later ones to import; the linker also offers
// "host.call" (calls the export "cb" of the calling instance), "host.fail"
// (returns a plain error) and "host.id" (returns its argument).
type backtraceCase struct {
	name    string
	modules []string
	depth   int // Config.MaxCallDepth (0: default)
	arg     uint64
}

var backtraceCases = []backtraceCase{
	{name: "direct", modules: []string{`(module $calc
	  (func $divide (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
	  (func $main (export "main") (param i32) (result i32) (call $divide (i32.const 100) (local.get 0))))`}},
	{name: "shared stub sites", modules: []string{`(module $m
	  (memory 1)
	  (func $f (param i32) (result i32)
	    (i32.load (i32.const 0))
	    (i32.load offset=4 (i32.const 8))
	    (i32.add)
	    (i32.load offset=8 (local.get 0))
	    (i32.add)
	    (i32.load offset=12 (i32.const 16))
	    (i32.add))
	  (func $g (param i32) (result i32)
	    (i32.add (i32.const 1) (call $f (local.get 0))))
	  (func (export "main") (param i32) (result i32)
	    (drop (call $g (i32.const 0)))
	    (call $g (local.get 0))))`}, arg: 70000},
	{name: "div sites", modules: []string{`(module
	  (func $f (param i32 i32) (result i32)
	    (i32.add (i32.div_s (local.get 0) (i32.const 3)) (i32.rem_u (local.get 0) (local.get 1)))
	    (i32.div_s (local.get 0) (local.get 1))
	    (i32.add))
	  (func (export "main") (param i32) (result i32)
	    (call $f (i32.const 0x80000000) (local.get 0))))`}, arg: 0xFFFFFFFF},
	{name: "second of shared sites", modules: []string{`(module
	  (func $f (param i32 i32) (result i32)
	    (i32.div_u (local.get 0) (i32.add (local.get 1) (i32.const 1)))
	    (i32.div_s (local.get 0) (local.get 1))
	    (i32.rem_u (local.get 0) (local.get 1))
	    (i32.add) (i32.add))
	  (func (export "main") (param i32) (result i32)
	    (call $f (i32.const 7) (local.get 0))))`}, arg: 0},
	{name: "unreachable deep", modules: []string{`(module
	  (func $a (param i32) (result i32)
	    (if (result i32) (i32.eqz (local.get 0))
	      (then unreachable)
	      (else (i32.add (i32.const 1) (call $a (i32.sub (local.get 0) (i32.const 1)))))))
	  (func (export "main") (param i32) (result i32) (call $a (local.get 0))))`}, arg: 5},
	{name: "call_indirect callee", modules: []string{`(module
	  (type $t (func (param i32) (result i32)))
	  (table 3 funcref)
	  (elem (i32.const 0) $ok $bad)
	  (func $ok (param i32) (result i32) (local.get 0))
	  (func $bad (param i32) (result i32) (i32.trunc_f32_s (f32.const nan)))
	  (func (export "main") (param i32) (result i32)
	    (i32.add (call_indirect (type $t) (i32.const 1) (i32.const 0))
	             (call_indirect (type $t) (i32.const 2) (local.get 0)))))`}, arg: 1},
	{name: "call_indirect null", modules: []string{`(module
	  (type $t (func (param i32) (result i32)))
	  (table 3 funcref)
	  (elem (i32.const 0) $ok)
	  (func $ok (param i32) (result i32) (local.get 0))
	  (func $mid (param i32) (result i32) (call_indirect (type $t) (i32.const 7) (local.get 0)))
	  (func (export "main") (param i32) (result i32) (call $mid (local.get 0))))`}, arg: 2},
	{name: "call_indirect mismatch", modules: []string{`(module
	  (type $t (func (param i32) (result i32)))
	  (table 3 funcref)
	  (elem (i32.const 0) $ok $other)
	  (func $ok (param i32) (result i32) (local.get 0))
	  (func $other (result i64) (i64.const 0))
	  (func (export "main") (param i32) (result i32) (call_indirect (type $t) (i32.const 7) (local.get 0))))`}, arg: 1},
	{name: "call_indirect out of range", modules: []string{`(module
	  (type $t (func (param i32) (result i32)))
	  (table 3 funcref)
	  (func (export "main") (param i32) (result i32) (call_indirect (type $t) (i32.const 7) (local.get 0))))`}, arg: 9},
	{name: "builtin", modules: []string{`(module
	  (memory 1)
	  (func $fill (param i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 100)))
	  (func (export "main") (param i32) (result i32)
	    (drop (memory.grow (i32.const 1)))
	    (call $fill (local.get 0)) (i32.const 0)))`}, arg: 131000},
	{name: "cross-instance", modules: []string{`(module $lib
	  (func $boom (export "boom") (param i32) (result i32)
	    (i32.div_s (i32.const 1) (local.get 0))))`, `(module $app
	  (import "lib" "boom" (func $boom (param i32) (result i32)))
	  (func $mid (param i32) (result i32) (i32.add (i32.const 2) (call $boom (local.get 0))))
	  (func (export "main") (param i32) (result i32) (call $mid (local.get 0))))`}},
	{name: "cross-instance indirect", modules: []string{`(module $lib
	  (table (export "t") 2 funcref)
	  (elem (i32.const 1) $boom)
	  (func $boom (param i32) (result i32) (unreachable)))`, `(module $app
	  (type $t (func (param i32) (result i32)))
	  (import "lib" "t" (table 2 funcref))
	  (func (export "main") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 1))))`}},
	{name: "host error", modules: []string{`(module $app
	  (import "host" "fail" (func $fail (param i32) (result i32)))
	  (func $mid (param i32) (result i32) (call $fail (local.get 0)))
	  (func (export "main") (param i32) (result i32) (call $mid (local.get 0))))`}},
	{name: "host in the middle", modules: []string{`(module $app
	  (import "host" "call" (func $call (param i32) (result i32)))
	  (func $cb (export "cb") (param i32) (result i32) (i32.rem_s (i32.const 5) (local.get 0)))
	  (func $mid (param i32) (result i32) (call $call (local.get 0)))
	  (func (export "main") (param i32) (result i32) (call $mid (local.get 0))))`}},
	{name: "host passes through", modules: []string{`(module $app
	  (import "host" "id" (func $id (param i32) (result i32)))
	  (func $f (param i32) (result i32) (i32.div_u (i32.const 1) (call $id (local.get 0))))
	  (func (export "main") (param i32) (result i32) (call $f (local.get 0))))`}},
	{name: "exhaustion", depth: 40, modules: []string{`(module $rec
	  (func $r (param i32) (result i32) (i32.add (i32.const 1) (call $r (local.get 0))))
	  (func (export "main") (param i32) (result i32) (call $r (local.get 0))))`}},
	{name: "exhaustion through host", depth: 30, modules: []string{`(module $app
	  (import "host" "call" (func $call (param i32) (result i32)))
	  (func $cb (export "cb") (param i32) (result i32) (call $mid (local.get 0)))
	  (func $mid (param i32) (result i32) (i32.add (i32.const 1) (call $call (local.get 0))))
	  (func (export "main") (param i32) (result i32) (call $mid (local.get 0))))`}},
}

// runBacktraceCase runs c on engine kind k and returns the trap's code and
// backtrace.
func runBacktraceCase(t *testing.T, c backtraceCase, k moat.EngineKind) string {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: k, MaxCallDepth: c.depth})
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	store := moat.NewStore(e)
	l := moat.NewLinker(e)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.DefineFunc("host", "call", func(ctx context.Context, caller *moat.Caller, x int32) (int32, error) {
		r, err := caller.ExportedFunc("cb").Call(ctx, uint64(uint32(x)))
		if err != nil {
			return 0, err
		}
		return int32(r[0]), nil
	}))
	must(l.DefineFunc("host", "fail", func(x int32) (int32, error) { return 0, errors.New("host says no") }))
	must(l.DefineFunc("host", "id", func(x int32) int32 { return x }))
	var inst *moat.Instance
	for i, src := range c.modules {
		mod, err := e.CompileText([]byte(src))
		must(err)
		inst, err = l.Instantiate(ctx, store, mod)
		must(err)
		if i < len(c.modules)-1 {
			must(l.DefineInstance("lib", inst))
		}
	}
	_, err = inst.Func("main").Call(ctx, c.arg)
	var trap *moat.Trap
	if !errors.As(err, &trap) {
		t.Fatalf("%v: got %v, want a trap", k, err)
	}
	return fmt.Sprintf("%v (%s)\n%s", trap.Code, trap.Error(), trap.Backtrace())
}

// TestBacktracesMatchInterpreter: every trapping program gives the same
// trap, frames and offsets on the compiler as on the interpreter.
func TestBacktracesMatchInterpreter(t *testing.T) {
	for _, c := range backtraceCases {
		t.Run(c.name, func(t *testing.T) {
			want := runBacktraceCase(t, c, moat.EngineInterpreter)
			got := runBacktraceCase(t, c, moat.EngineCompiler)
			if got != want {
				t.Errorf("compiler:\n%s\ninterpreter:\n%s", got, want)
			}
			if testing.Verbose() {
				t.Logf("\n%s", got)
			}
		})
	}
}

// TestCallDepthLimit: the compiler allows exactly Config.MaxCallDepth
// nested frames, like the interpreter, and a recursion whose frames are too
// large for the native stack traps rather than crashing.
func TestCallDepthLimit(t *testing.T) {
	const src = `(module
	  (global $d (mut i32) (i32.const 0))
	  (func $r (export "r")
	    (global.set $d (i32.add (global.get $d) (i32.const 1)))
	    (call $r))
	  (func (export "depth") (result i32) (global.get $d)))`
	reached := func(k moat.EngineKind, depth int) uint64 {
		inst := instantiateText(t, moat.Config{Engine: k, MaxCallDepth: depth}, src)
		return depthAtExhaustion(t, inst, fmt.Sprintf("%v, depth %d", k, depth))
	}
	for _, depth := range []int{1, 2, 3, 100, 10000, 200000} {
		got, want := reached(moat.EngineCompiler, depth), reached(moat.EngineInterpreter, depth)
		if got != want || got != uint64(depth) {
			t.Errorf("depth %d: compiler reached %d, interpreter %d", depth, got, want)
		}
	}

	// Frames of several KiB: the native stack runs out before the depth
	// limit, which must still be a trap.
	big := `(module (func $r (export "r") (param i64) (result i64)
	  (local ` + repeat("i64 ", 64) + `)
	  ` + setLocals(64) + `
	  (i64.add (call $r (local.get 0)) (i64.add ` + sumLocals(64) + `))))`
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, MaxCallDepth: 20000})
	if err != nil {
		t.Skip(err)
	}
	mod, err := e.CompileText([]byte(big))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
	if err != nil {
		t.Fatal(err)
	}
	_, err = inst.Func("r").Call(context.Background(), 1)
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapStackExhausted {
		t.Fatalf("got %v, want call stack exhausted", err)
	}
}

// setLocals sets locals 1..n-1 to distinct values derived from local 0.
func setLocals(n int) string {
	out := ""
	for i := 1; i < n; i++ {
		out += fmt.Sprintf("(local.set %d (i64.mul (local.get 0) (i64.const %d))) ", i, i+1)
	}
	return out
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// sumLocals is an expression adding locals 1..n-1 and i64.const 0, all live
// across the call before it.
func sumLocals(n int) string {
	e := "(i64.const 0)"
	for i := 1; i < n; i++ {
		e = fmt.Sprintf("(i64.add (local.get %d) %s)", i, e)
	}
	return e + " (i64.const 0)"
}

// TestInterruptBacktrace: a cancelled guest's trap names where it was
// spinning, through the shared poll stub. (The offset in the spinning
// function may differ: the compiler polls at the loop header, the
// interpreter at the branch back.)
func TestInterruptBacktrace(t *testing.T) {
	for _, k := range []moat.EngineKind{moat.EngineCompiler, moat.EngineInterpreter} {
		e, err := moat.NewEngine(moat.Config{Engine: k})
		if err != nil {
			t.Skip(err)
		}
		mod, err := e.CompileText([]byte(`(module $m
		  (func $spin (loop (br 0)))
		  (func (export "main") (call $spin)))`))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err = inst.Func("main").Call(ctx)
		cancel()
		var trap *moat.Trap
		if !errors.As(err, &trap) || trap.Code != moat.TrapInterrupted {
			t.Fatalf("%v: got %v, want interrupted", k, err)
		}
		bt := trap.Backtrace()
		if len(trap.Frames) != 2 || trap.Frames[0].FuncName != "spin" || trap.Frames[0].Offset < 0 ||
			trap.Frames[1].Offset != 0x2a {
			t.Errorf("%v: backtrace\n%s", k, bt)
		}
	}
}

// TestCallDepthAcrossHost: wasm → host → wasm recursion counts every wasm
// frame on both sides of each host call, as the interpreter does (the
// call-depth count lives in the frames and crosses host calls through the
// context).
func TestCallDepthAcrossHost(t *testing.T) {
	const src = `(module
	  (import "env" "h" (func $h))
	  (global $d (mut i32) (i32.const 0))
	  (func $inner (global.set $d (i32.add (global.get $d) (i32.const 1))) (call $h))
	  (func $r (export "r") (call $inner))
	  (func (export "depth") (result i32) (global.get $d)))`
	reached := func(k moat.EngineKind, depth int) uint64 {
		e, mod := compileText(t, moat.Config{Engine: k, MaxCallDepth: depth}, src)
		l := moat.NewLinker(e)
		err := l.DefineHostFunc("env", "h", moat.FuncType{}, func(ctx context.Context, c *moat.Caller, _ []uint64) error {
			_, err := c.ExportedFunc("r").Call(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		inst, err := l.Instantiate(context.Background(), moat.NewStore(e), mod)
		if err != nil {
			t.Fatal(err)
		}
		return depthAtExhaustion(t, inst, fmt.Sprintf("%v, depth %d", k, depth))
	}
	for _, depth := range []int{1, 2, 3, 4, 5, 100, 1001} {
		got, want := reached(moat.EngineCompiler, depth), reached(moat.EngineInterpreter, depth)
		if got != want {
			t.Errorf("depth %d: compiler reached %d, interpreter %d", depth, got, want)
		}
	}
}
