package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// engines lists the engines this build can run, by their --engine names,
// so the WASI tests run on the compiler as soon as it exists.
func engines(t *testing.T) []string {
	t.Helper()
	names := []string{"interp"}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		names = append(names, "compiler")
	} else if !errors.Is(err, moat.ErrCompilerUnavailable) {
		t.Fatalf("compiler engine: %v", err)
	}
	return names
}

// runMoatStdin runs `moat run ARGS` in-process with the given stdin.
func runMoatStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runWithStdin(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// tourFixture makes the folder the tour programs work in: a file and a
// folder holding another file.
func tourFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkFixtureIntact asserts the programs cleaned up after themselves and
// left the fixture's files as they were.
func checkFixtureIntact(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "a.txt sub" {
		t.Errorf("fixture now holds %q, want a.txt and sub", names)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a.txt")); err != nil || string(b) != "alpha\n" {
		t.Errorf("a.txt now %q, %v", b, err)
	}
}

// tourCWant is what the C tour prints (see TestWASIExampleC).
const tourCWant = `argc=3
argv[0]=tour_c.wasm
argv[1]=/data
argv[2]=7
env GREETING=hi
env LANG=C
stdin: 14 bytes, 3 lines
hello.txt has 23 bytes
/data/out: greeting.txt
read: hello from C
read: and again
/data: a.txt sub/
escape through ..: refused
realtime after 2020: yes
slept at least 20ms: yes
`

func TestWASIExampleC(t *testing.T) {
	const want = tourCWant
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			dir := tourFixture(t)
			code, out, errOut := runMoatStdin(t, "one\ntwo\nthree\n", "--engine", engine,
				"--dir", dir+"::/data", "--env", "GREETING=hi", "--env=LANG=C",
				example("wasi/tourc/tour_c.wasm"), "/data", "7")
			if code != 7 || out != want || errOut != "exiting with 7 after 0 failures\n" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 7, stdout:\n%s", code, out, errOut, want)
			}
			checkFixtureIntact(t, dir)
		})
	}
}

// tourGoWant is what the Go tour prints (see TestWASIExampleGo).
const tourGoWant = `args ["tour_go.wasm" "/" "5"]
env GREETING=hello
env X=1
GREETING is "hello"
stdin 1: ONE
stdin 2: TWO
stdin had 2 lines
notes.txt: 23 bytes, regular file: true
notes.txt says "written by Go\nappended\n"
walk /:
  ./
  a.txt
  out/
  out/nested/
  out/notes.txt
  sub/
  sub/b.txt
out removed: true
escape through ..: refused
absolute path outside: refused
wall clock after 2020: true
slept at least 20ms: true
`

func TestWASIExampleGo(t *testing.T) {
	const want = tourGoWant
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			dir := tourFixture(t)
			code, out, errOut := runMoatStdin(t, "one\ntwo\n", "--engine", engine,
				"--dir", dir+"::/", "--env", "GREETING=hello", "--env", "X=1",
				example("wasi/tourgo/tour_go.wasm"), "/", "5")
			if code != 5 || out != want || errOut != "exiting with 5 after 0 failures\n" {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 5, stdout:\n%s", code, out, errOut, want)
			}
			checkFixtureIntact(t, dir)
		})
	}
}

// TestWASIExampleNoDir: without --dir the program sees no files at all.
func TestWASIExampleNoDir(t *testing.T) {
	code, out, _ := runMoatStdin(t, "", example("wasi/tourc/tour_c.wasm"), "/data", "0")
	if code != 99 || !strings.Contains(out, "FAIL: mkdir out") {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 99 and a failed mkdir", code, out)
	}
}
