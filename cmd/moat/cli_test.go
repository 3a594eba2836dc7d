package main

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestUnknownFlagOneLine: every command answers a flag it does not know
// with one line, the error and where to read the usage, not the whole help.
func TestUnknownFlagOneLine(t *testing.T) {
	for _, c := range commands() {
		code, out, errOut := runMoat(t, c.name, "--bogus", example("fib.wasm"))
		want := "moat " + c.name + ": unknown flag --bogus (run 'moat help " + c.name + "' for usage)\n"
		if code != exitUsage || out != "" || errOut != want {
			t.Errorf("moat %s --bogus: exit %d, stdout %q, stderr %q; want %d and %q", c.name, code, out, errOut, exitUsage, want)
		}
	}
	// Other usage errors are one line too.
	for _, args := range [][]string{
		{"run"},
		{"run", "--engine", "jit", "x.wasm"},
		{"inspect"},
		{"inspect", "--asm"},
		{"spectest"},
		{"wat2wasm", "a.wat", "b.wat"},
		{"wasm2wat", "-o"},
		{"frobnicate"},
		{"help", "frobnicate"},
	} {
		code, _, errOut := runMoat(t, args...)
		if code != exitUsage || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "for usage)") {
			t.Errorf("%q: exit %d, stderr %q; want %d and one line pointing at the usage", args, code, errOut, exitUsage)
		}
	}
}

// TestVersion: moat version, --version and -V print the same report.
func TestVersion(t *testing.T) {
	_, want, _ := runMoat(t, "version")
	for _, args := range [][]string{{"version"}, {"--version"}, {"-V"}, {"-version"}} {
		code, out, errOut := runMoat(t, args...)
		if code != exitOK || out != want || errOut != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	for _, line := range []string{
		"moat ",
		"\n  go:       " + runtime.Version() + "\n",
		"\n  platform: " + runtime.GOOS + "/" + runtime.GOARCH + "\n",
		"\n  engine:   ",
	} {
		if !strings.Contains(want, line) {
			t.Errorf("version output lacks %q:\n%s", line, want)
		}
	}
	if code, _, _ := runMoat(t, "version", "extra"); code != exitUsage {
		t.Errorf("version with an argument: exit %d, want %d", code, exitUsage)
	}
}

// TestWriteVersion: the module version and the VCS stamp come from the
// build information; a build without them says (devel).
func TestWriteVersion(t *testing.T) {
	stamped := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/moat-run/moat", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	var b strings.Builder
	writeVersion(&b, stamped, "compiler")
	want := "moat v1.2.3\n" +
		"  revision: 0123456789abcdef0123456789abcdef01234567 (modified)\n" +
		"  time:     2026-01-02T03:04:05Z\n" +
		"  go:       " + runtime.Version() + "\n" +
		"  platform: " + runtime.GOOS + "/" + runtime.GOARCH + "\n" +
		"  engine:   compiler\n"
	if b.String() != want {
		t.Errorf("stamped build:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, bi := range []*debug.BuildInfo{nil, {}} {
		b.Reset()
		writeVersion(&b, bi, "interpreter")
		if out := b.String(); !strings.HasPrefix(out, "moat (devel)\n  go:") || strings.Contains(out, "revision") {
			t.Errorf("unstamped build (%v):\n%s", bi, out)
		}
	}
}

// TestImplicitRun: moat MODULE ... is moat run MODULE ..., as wasmtime
// MODULE is wasmtime run MODULE; a command name always wins.
func TestImplicitRun(t *testing.T) {
	exit7 := writeModule(t, "exit7", `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 7))))`)
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string // a substring
	}{
		{[]string{example("fib.wasm"), "20"}, exitUsage, "", "moat run: " + example("fib.wasm") + " has no _start export"},
		{[]string{"--invoke", "fib", example("fib.wasm"), "20"}, exitOK, "6765\n", ""},
		{[]string{"--engine=interp", "--invoke", "fib", example("fib.wat"), "20"}, exitOK, "6765\n", ""},
		{[]string{exit7}, 7, "", ""}, // an existing file without an extension
		{[]string{"nosuch.wasm"}, exitFailure, "", "nosuch.wasm"},
		{[]string{"nosuch"}, exitUsage, "", `unknown command "nosuch", and no module file of that name`},
	}
	for _, c := range cases {
		code, out, errOut := runMoat(t, c.args...)
		if code != c.code || out != c.stdout || !strings.Contains(errOut, c.stderr) {
			t.Errorf("moat %q: exit %d, stdout %q, stderr %q; want %d, %q and %q", c.args, code, out, errOut, c.code, c.stdout, c.stderr)
		}
	}

	// A file named like a command does not shadow it.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inspect"), []byte("(module)"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, _, errOut := runMoat(t, "inspect"); code != exitUsage || !strings.Contains(errOut, "expected exactly one MODULE") {
		t.Errorf("moat inspect with a file named inspect: exit %d, stderr %q; want the inspect command", code, errOut)
	}
	if code, out, errOut := runMoat(t, "./inspect"); code != exitUsage || out != "" || !strings.Contains(errOut, "has no _start export") {
		t.Errorf("moat ./inspect: exit %d, stderr %q; want moat run of the file", code, errOut)
	}
}

// TestBacktraceExportName: a module without a name section traps in
// _start, and the backtrace names _start rather than func[0].
func TestBacktraceExportName(t *testing.T) {
	mod := writeModule(t, "noname.wat", `(module
  (func unreachable)
  (func (export "_start") call 0))`)
	for _, engine := range []string{"interp", "auto"} {
		code, _, errOut := runMoat(t, "run", "--engine", engine, mod)
		want := "trap: unreachable\nwasm backtrace:\n  0: func[0] @ 0x"
		if code != exitTrapped || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, "\n  1: _start @ 0x") {
			t.Errorf("--engine %s: exit %d, stderr %q; want frames func[0] and _start", engine, code, errOut)
		}
	}
}
