package main

import (
	"strings"
	"testing"
)

// TestValidationErrorPositions: a .wat file that parses but does not
// validate is reported at file.wat:LINE:COL of the instruction or field at
// fault, by every command that validates.
func TestValidationErrorPositions(t *testing.T) {
	cases := []struct {
		name, src string
		where     string // :LINE:COL
		msg       string
	}{
		{"mismatch.wat", `(module
  (func (export "_start") (result i32)
    i32.const 1
    i64.const 2
    i32.add))`, ":5:5", "type mismatch: instruction requires [i32] but the stack has [i64]"},
		{"callee.wat", `(module
  (func (export "_start")
    (call 7)))`, ":3:6", "unknown function 7"},
		{"align.wat", `(module
  (memory 1)
  (func (export "_start") (result i32)
    (i32.load align=8 (i32.const 0))))`, ":4:6", "alignment must not be larger than natural"},
		{"global.wat", `(module
  (global i64 (i32.const 0))
  (func (export "_start")))`, ":2:3", "type mismatch: constant expression must produce [i64] but produces [i32]"},
	}
	for _, c := range cases {
		path := writeModule(t, c.name, c.src)
		want := path + c.where + ": invalid module: " + c.msg + "\n"
		for _, cmd := range [][]string{
			{"run", path},
			{"run", "--engine", "interp", path},
			{path},
			{"wat2wasm", path, "-o", "-"},
			{"inspect", "--asm", "0", path},
		} {
			code, out, errOut := runMoat(t, cmd...)
			if code != exitFailure || out != "" || errOut != "moat "+commandOf(cmd)+": "+want {
				t.Errorf("moat %q: exit %d, stdout %q, stderr %q; want 1 and %q", cmd, code, out, errOut, want)
			}
		}
		code, out, _ := runMoat(t, "inspect", path)
		if code != exitOK || !strings.Contains(out, "note: the module decodes but does not validate: "+want) {
			t.Errorf("moat inspect %s: exit %d, output lacks the located note:\n%s", c.name, code, out)
		}
	}
}

// commandOf names the command a command line runs.
func commandOf(args []string) string {
	if _, ok := lookupCommand(args[0]); ok {
		return args[0]
	}
	return "run"
}
