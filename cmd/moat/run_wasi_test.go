package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeModule writes a module in the text format to a temporary file
// named name and returns its path.
func writeModule(t *testing.T, name, wat string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(wat), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// unknownImportsWat imports two functions nobody defines.
const unknownImportsWat = `(module
  (import "bench" "start" (func $start))
  (import "env" "answer" (func $answer (param i32) (result i64 f64 v128)))
  (func (export "f") (result i64 f64 v128)
    call $start
    (call $answer (i32.const 7))))`

func TestRunDefaultValuesUnknownImports(t *testing.T) {
	mod := writeModule(t, "unknown.wat", unknownImportsWat)
	code, out, errOut := runMoatStdin(t, "", "--default-values-unknown-imports", "--invoke", "f", mod)
	if code != 0 || out != "0\n0\n0x00000000000000000000000000000000\n" {
		t.Errorf("with the flag: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runMoatStdin(t, "", "--invoke", "f", mod)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "bench") {
		t.Errorf("without the flag: exit %d, stdout %q, stderr %q; want a link error naming bench.start", code, out, errOut)
	}
}

const trapStartWat = `(module (func (export "_start") unreachable))`

func TestRunCommandTrapExitStatus(t *testing.T) {
	mod := writeModule(t, "trap.wat", trapStartWat)
	code, out, errOut := runMoatStdin(t, "", mod)
	if code != exitTrapped || out != "" || !strings.HasPrefix(errOut, "trap: unreachable\n") {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and the trap", code, out, errOut, exitTrapped)
	}
	// _start takes WASI arguments now, so ARGS are no longer an error.
	if code, _, errOut := runMoatStdin(t, "", mod, "a", "b"); code != exitTrapped {
		t.Errorf("with ARGS: exit %d, stderr %q", code, errOut)
	}
}

// procExitWat calls proc_exit(3) fifty calls deep from _start, and
// proc_exit(N) from its export "quit" (param i32).
const procExitWat = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func $deep (param i32)
    (if (i32.eqz (local.get 0)) (then (call $exit (i32.const 3))))
    (call $deep (i32.sub (local.get 0) (i32.const 1))))
  (func (export "_start") (call $deep (i32.const 50)))
  (func (export "quit") (param i32) (call $exit (local.get 0))))`

func TestRunProcExit(t *testing.T) {
	mod := writeModule(t, "exit.wat", procExitWat)
	if code, out, errOut := runMoatStdin(t, "", mod); code != 3 || out != "" || errOut != "" {
		t.Errorf("_start: exit %d, stdout %q, stderr %q; want 3 and no output", code, out, errOut)
	}
	if code, out, errOut := runMoatStdin(t, "", "--invoke", "quit", mod, "42"); code != 42 || out != "" || errOut != "" {
		t.Errorf("--invoke quit 42: exit %d, stdout %q, stderr %q; want 42 and no output", code, out, errOut)
	}
}

func TestRunMissingDir(t *testing.T) {
	mod := writeModule(t, "exit.wat", procExitWat)
	missing := filepath.Join(t.TempDir(), "nope")
	code, _, errOut := runMoatStdin(t, "", "--dir", missing, mod)
	if code != exitFailure || !strings.Contains(errOut, "nope") {
		t.Errorf("exit %d, stderr %q; want 1 and an error naming the folder", code, errOut)
	}
}

func TestParseRunArgsWASI(t *testing.T) {
	t.Setenv("MOAT_TEST_INHERITED", "from host")
	opts, _, err := parseRunArgs([]string{
		"--dir", "/tmp/a", "--dir=/tmp/b::/data", "--env", "A=1", "--env=B=x=y",
		"--env", "MOAT_TEST_INHERITED", "--env", "MOAT_TEST_UNSET_VARIABLE",
		"--default-values-unknown-imports", "prog.wasm", "--dir", "x", "--", "y",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.dirs) != 2 || opts.dirs[0].Host != "/tmp/a" || opts.dirs[0].Guest != "/tmp/a" ||
		opts.dirs[1].Host != "/tmp/b" || opts.dirs[1].Guest != "/data" {
		t.Errorf("dirs %+v", opts.dirs)
	}
	if want := []string{"A=1", "B=x=y", "MOAT_TEST_INHERITED=from host"}; !slices.Equal(opts.env, want) {
		t.Errorf("env %q, want %q", opts.env, want)
	}
	if !opts.defaultUnknownImports || opts.module != "prog.wasm" {
		t.Errorf("options %+v", opts)
	}
	// Everything after MODULE belongs to the program, flags included.
	if want := []string{"--dir", "x", "--", "y"}; !slices.Equal(opts.args, want) {
		t.Errorf("args %q, want %q", opts.args, want)
	}
	for _, bad := range [][]string{
		{"--dir", "", "m.wasm"}, {"--dir", "::/x", "m.wasm"}, {"--dir", "/x::", "m.wasm"},
		{"--env", "=v", "m.wasm"}, {"--default-values-unknown-imports=1", "m.wasm"}, {"--dir"},
	} {
		if _, _, err := parseRunArgs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
