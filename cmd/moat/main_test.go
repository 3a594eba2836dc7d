package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// runMoat runs the command in-process and returns its exit status and output.
func runMoat(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, out, _ := runMoat(t, args...)
		if code != 0 || !strings.Contains(out, "run") || !strings.Contains(out, "inspect") || !strings.Contains(out, "spectest") {
			t.Errorf("%v: code %d, output %q", args, code, out)
		}
	}
	for _, c := range []string{"run", "inspect", "spectest"} {
		code, out, _ := runMoat(t, "help", c)
		if code != 0 || !strings.Contains(out, "Usage: moat "+c) {
			t.Errorf("help %s: code %d, output %q", c, code, out)
		}
		code, out, _ = runMoat(t, c, "-h")
		if code != 0 || !strings.Contains(out, "Usage: moat "+c) {
			t.Errorf("%s -h: code %d, output %q", c, code, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "Usage"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run"}, "missing MODULE"},
		{[]string{"run", "--engine"}, "needs a value"},
		{[]string{"run", "--engine", "jit", "x.wasm"}, `unknown engine "jit"`},
		{[]string{"run", "--bogus", "x.wasm"}, "unknown flag --bogus"},
		{[]string{"inspect"}, "expected exactly one MODULE"},
		{[]string{"spectest"}, "no PATH"},
	}
	for _, c := range cases {
		code, _, errOut := runMoat(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d, stderr %q, want code 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestRunInvoke(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--invoke", "fib", example("fib.wasm"), "20"}, "6765\n"},
		{[]string{"run", "--invoke=fib_iter", "--engine=interp", example("fib.wasm"), "40"}, "102334155\n"},
		{[]string{"run", "--engine", "auto", "--invoke", "fib_iter", example("fib.wasm"), "0x10"}, "987\n"},
		{[]string{"run", "--invoke", "average", example("trap.wasm"), "-10", "3"}, "-3\n"},
	}
	for _, c := range cases {
		code, out, errOut := runMoat(t, c.args...)
		if code != 0 || out != c.want {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want %q", c.args, code, out, errOut, c.want)
		}
	}
}

func TestRunTrap(t *testing.T) {
	code, out, errOut := runMoat(t, "run", "--invoke", "average", example("trap.wasm"), "10", "0")
	if code != exitFailure || out != "" {
		t.Fatalf("code %d, stdout %q, want 1 and nothing", code, out)
	}
	if !strings.HasPrefix(errOut, "trap: integer divide by zero\n") {
		t.Errorf("stderr %q does not start with the trap reason", errOut)
	}
	// The backtrace names the functions from the name section, innermost first.
	iDiv, iMean, iAvg := strings.Index(errOut, "divide"), strings.Index(errOut, "mean"), strings.Index(errOut, "average")
	if iDiv < 0 || iMean < 0 || iAvg < 0 || !(iDiv < iMean && iMean < iAvg) {
		t.Errorf("backtrace lacks divide, mean, average in that order:\n%s", errOut)
	}
}

func TestRunArgumentErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--invoke", "fib", example("fib.wasm")}, "takes 1 argument(s) (i32), got 0"},
		{[]string{"run", "--invoke", "fib", example("fib.wasm"), "twenty"}, `"twenty" is not a 32-bit integer`},
		{[]string{"run", "--invoke", "fib", example("fib.wasm"), "4294967296"}, "not a 32-bit integer"},
		{[]string{"run", "--invoke", "nope", example("fib.wasm")}, `no exported function "nope"`},
		{[]string{"run", example("fib.wasm")}, "no _start export"},
	}
	for _, c := range cases {
		code, _, errOut := runMoat(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d, stderr %q, want code 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestRunBadModule(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wasm")
	if err := os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00\x01\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runMoat(t, "run", "--invoke", "f", bad)
	if code != exitFailure || !strings.Contains(errOut, "malformed") {
		t.Errorf("code %d, stderr %q; want 1 and a malformed-module error", code, errOut)
	}
	code, _, errOut = runMoat(t, "run", filepath.Join(dir, "missing.wasm"))
	if code != exitFailure || !strings.Contains(errOut, "missing.wasm") {
		t.Errorf("missing file: code %d, stderr %q", code, errOut)
	}
}

func TestInspect(t *testing.T) {
	code, out, errOut := runMoat(t, "inspect", example("fib.wasm"))
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"sections (", "type", "function", "export", "code",
		"exports (2):", "fib       func  0      (func (param i32) (result i32))",
		"imports (0):",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runMoat(t, "inspect", example("trap.wasm"))
	if code != 0 || !strings.Contains(out, `custom "name"`) || !strings.Contains(out, "name $trap") {
		t.Errorf("trap.wasm: code %d, output lacks the name section:\n%s", code, out)
	}
}

func TestInspectImports(t *testing.T) {
	path := writeModule(t, "imports.wat", `(module
  (import "env" "log" (func (param i32)))
  (import "env" "mem" (memory 1 2))
  (global (export "g") (mut i64) (i64.const 0)))`)
	code, out, errOut := runMoat(t, "inspect", path)
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"imports (2):",
		"env     log   func    (func (param i32))",
		"env     mem   memory  (memory 1 2)",
		"g     global  0      (global (mut i64))",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
}

func TestInspectMalformed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.wasm")
	if err := os.WriteFile(path, []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMoat(t, "inspect", path)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "magic header not detected") {
		t.Errorf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestRunDeepRecursionTraps: fib(1000000) recurses ten times past the
// default call depth before its exponential tree could fan out; the
// timeout turns a limit that failed to bind into a failure, not a hang.
func TestRunDeepRecursionTraps(t *testing.T) {
	code, _, errOut := runMoat(t, "run", "-W", "timeout=2m", "--invoke", "fib", example("fib.wasm"), "1000000")
	if code != exitFailure || !strings.HasPrefix(errOut, "trap: call stack exhausted\n") {
		t.Errorf("code %d, stderr %q", code, errOut)
	}
	if n := strings.Count(errOut, "\n"); n > backtraceHead+backtraceTail+3 {
		t.Errorf("backtrace has %d lines, want it capped", n)
	}
}

func TestRunDoubleDash(t *testing.T) {
	code, out, errOut := runMoat(t, "run", "--invoke", "average", "--", example("trap.wasm"), "--", "-7", "-1")
	if code != 0 || out != "7\n" {
		t.Errorf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestWriteBacktraceElides(t *testing.T) {
	trap := &moat.Trap{Message: "call stack exhausted"}
	for i := range 100 {
		trap.Frames = append(trap.Frames, moat.TrapFrame{FuncName: "f", FuncIndex: 0, Offset: i})
	}
	var b bytes.Buffer
	writeBacktrace(&b, trap)
	out := b.String()
	if !strings.Contains(out, "... 75 frames elided ...") || !strings.Contains(out, "  99: f @ 0x63\n") || strings.Contains(out, "  20: f") {
		t.Errorf("backtrace not elided as expected:\n%s", out)
	}
}

func TestInspectAsm(t *testing.T) {
	code, out, errOut := runMoat(t, "inspect", "--asm", "fib", example("fib.wasm"))
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"; function 0", "function %f0(", "push rbp", "ret"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect --asm output lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = runMoat(t, "inspect", "--asm", "nosuch", example("fib.wasm"))
	if code != exitFailure || !strings.Contains(errOut, "no defined function") {
		t.Errorf("unknown function: code %d, stderr %q", code, errOut)
	}
}
