package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeModule writes module bytes to a temporary file and returns its path.
func writeModule(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// unknownImportsWasm is
//
//	(module
//	  (import "bench" "start" (func $start))
//	  (import "env" "answer" (func $answer (param i32) (result i64 f64 v128)))
//	  (func (export "f") (result i64 f64 v128)
//	    call $start
//	    (call $answer (i32.const 7))))
var unknownImportsWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
	0x00, 0x00, 0x60, 0x01, 0x7f, 0x03, 0x7e, 0x7c, 0x7b, 0x60, 0x00, 0x03,
	0x7e, 0x7c, 0x7b, 0x02, 0x1c, 0x02, 0x05, 0x62, 0x65, 0x6e, 0x63, 0x68,
	0x05, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76,
	0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x01, 0x03, 0x02, 0x01,
	0x02, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x02, 0x0a, 0x0a, 0x01, 0x08,
	0x00, 0x10, 0x00, 0x41, 0x07, 0x10, 0x01, 0x0b,
}

func TestRunDefaultValuesUnknownImports(t *testing.T) {
	mod := writeModule(t, "unknown.wasm", unknownImportsWasm)
	code, out, errOut := runMoatStdin(t, "", "--default-values-unknown-imports", "--invoke", "f", mod)
	if code != 0 || out != "0\n0\n0x00000000000000000000000000000000\n" {
		t.Errorf("with the flag: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runMoatStdin(t, "", "--invoke", "f", mod)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "bench") {
		t.Errorf("without the flag: exit %d, stdout %q, stderr %q; want a link error naming bench.start", code, out, errOut)
	}
}

// trapStartWasm is (module (func (export "_start") unreachable)).
var trapStartWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
	0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, 0x5f, 0x73,
	0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00,
	0x0b,
}

func TestRunCommandTrapExitStatus(t *testing.T) {
	mod := writeModule(t, "trap.wasm", trapStartWasm)
	code, out, errOut := runMoatStdin(t, "", mod)
	if code != exitTrapped || out != "" || !strings.HasPrefix(errOut, "trap: unreachable\n") {
		t.Errorf("exit %d, stdout %q, stderr %q; want %d and the trap", code, out, errOut, exitTrapped)
	}
	// _start takes WASI arguments now, so ARGS are no longer an error.
	if code, _, errOut := runMoatStdin(t, "", mod, "a", "b"); code != exitTrapped {
		t.Errorf("with ARGS: exit %d, stderr %q", code, errOut)
	}
}

// procExitWasm calls proc_exit(3) fifty calls deep from _start, and
// proc_exit(N) from its export "quit" (param i32):
//
//	(module
//	  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//	  (func $deep (param i32)
//	    (if (i32.eqz (local.get 0)) (then (call $exit (i32.const 3))))
//	    (call $deep (i32.sub (local.get 0) (i32.const 1))))
//	  (func (export "_start") (call $deep (i32.const 50)))
//	  (func (export "quit") (param i32) (call $exit (local.get 0))))
var procExitWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
	0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x02, 0x24, 0x01, 0x16, 0x77, 0x61,
	0x73, 0x69, 0x5f, 0x73, 0x6e, 0x61, 0x70, 0x73, 0x68, 0x6f, 0x74, 0x5f,
	0x70, 0x72, 0x65, 0x76, 0x69, 0x65, 0x77, 0x31, 0x09, 0x70, 0x72, 0x6f,
	0x63, 0x5f, 0x65, 0x78, 0x69, 0x74, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00,
	0x01, 0x00, 0x07, 0x11, 0x02, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74,
	0x00, 0x02, 0x04, 0x71, 0x75, 0x69, 0x74, 0x00, 0x03, 0x0a, 0x23, 0x03,
	0x13, 0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x41, 0x03, 0x10, 0x00, 0x0b,
	0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x0b, 0x06, 0x00, 0x41, 0x32,
	0x10, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
}

func TestRunProcExit(t *testing.T) {
	mod := writeModule(t, "exit.wasm", procExitWasm)
	if code, out, errOut := runMoatStdin(t, "", mod); code != 3 || out != "" || errOut != "" {
		t.Errorf("_start: exit %d, stdout %q, stderr %q; want 3 and no output", code, out, errOut)
	}
	if code, out, errOut := runMoatStdin(t, "", "--invoke", "quit", mod, "42"); code != 42 || out != "" || errOut != "" {
		t.Errorf("--invoke quit 42: exit %d, stdout %q, stderr %q; want 42 and no output", code, out, errOut)
	}
}

func TestRunMissingDir(t *testing.T) {
	mod := writeModule(t, "exit.wasm", procExitWasm)
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
