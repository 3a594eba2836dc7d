package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestRunExitCodeRange: proc_exit codes WASI defines (0 to 125) become
// moat's exit status; larger ones, which the operating system would
// truncate (256 would exit 0) or read as a signal, end the run with an
// error and status 1, as in wasmtime. Both from _start and under --invoke.
func TestRunExitCodeRange(t *testing.T) {
	cases := []struct {
		code     uint32
		status   int
		complain bool
	}{
		{0, 0, false},
		{7, 7, false},
		{125, 125, false},
		{126, exitFailure, true},
		{255, exitFailure, true},
		{256, exitFailure, true},
		{512, exitFailure, true},
		{0xffffffff, exitFailure, true},
	}
	for _, c := range cases {
		mod := writeModule(t, "exit.wat", fmt.Sprintf(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const %d)))
  (func (export "quit") (call $exit (i32.const %[1]d))))`, int32(c.code)))
		for _, args := range [][]string{{mod}, {"--invoke", "quit", mod}} {
			status, out, errOut := runMoatStdin(t, "", args...)
			want := ""
			if c.complain {
				want = fmt.Sprintf("moat run: %s: exit with invalid exit status %d, outside of [0..126)\n", mod, c.code)
			}
			if status != c.status || out != "" || errOut != want {
				t.Errorf("proc_exit(%d), %s: exit %d, stdout %q, stderr %q; want %d and stderr %q",
					c.code, strings.Join(args[:len(args)-1], " "), status, out, errOut, c.status, want)
			}
		}
	}
}
