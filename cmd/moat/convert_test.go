package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stripCustom removes custom sections (wabt adds none by default, but a
// file may have them) so binaries compare by content.
func stripCustom(b []byte) []byte {
	out := append([]byte(nil), b[:8]...)
	for pos := 8; pos < len(b); {
		start, id := pos, b[pos]
		pos++
		var size, shift uint
		for {
			c := b[pos]
			pos++
			size |= uint(c&0x7f) << shift
			shift += 7
			if c < 0x80 {
				break
			}
		}
		pos += int(size)
		if id != 0 {
			out = append(out, b[start:pos]...)
		}
	}
	return out
}

// TestWat2WasmMatchesWabt converts the examples' .wat files and compares
// with the .wasm that wabt's wat2wasm made from them.
func TestWat2WasmMatchesWabt(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"fib", "trap"} {
		out := filepath.Join(dir, name+".wasm")
		code, _, errOut := runMoat(t, "wat2wasm", example(name+".wat"), "-o", out)
		if code != 0 {
			t.Fatalf("%s: code %d: %s", name, code, errOut)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(example(name + ".wasm"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stripCustom(got), stripCustom(want)) {
			t.Errorf("%s: moat wat2wasm differs from wabt's output", name)
		}
	}
}

// TestWasm2WatRoundTrip prints a module and converts the text back.
func TestWasm2WatRoundTrip(t *testing.T) {
	dir := t.TempDir()
	code, text, errOut := runMoat(t, "wasm2wat", example("fib.wasm"))
	if code != 0 || !strings.HasPrefix(text, "(module") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, text, errOut)
	}
	watPath := filepath.Join(dir, "fib.wat")
	if code, _, errOut := runMoat(t, "wasm2wat", example("fib.wasm"), "-o", watPath); code != 0 {
		t.Fatalf("wasm2wat -o: code %d: %s", code, errOut)
	}
	if code, _, errOut := runMoat(t, "wat2wasm", watPath); code != 0 {
		t.Fatalf("wat2wasm: code %d: %s", code, errOut)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "fib.wasm")) // the default output name
	want, _ := os.ReadFile(example("fib.wasm"))
	if !bytes.Equal(stripCustom(got), stripCustom(want)) {
		t.Error("fib.wasm → wat → wasm changed the module")
	}
}

func TestRunAndInspectAcceptText(t *testing.T) {
	code, out, errOut := runMoat(t, "run", "--invoke", "fib", example("fib.wat"), "20")
	if code != 0 || !strings.Contains(out, "6765") {
		t.Errorf("run fib.wat: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	// Text is recognised by content, whatever the file is called.
	src, err := os.ReadFile(example("fib.wat"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := filepath.Join(t.TempDir(), "fib.module")
	if err := os.WriteFile(renamed, src, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runMoat(t, "inspect", renamed)
	if code != 0 || !strings.Contains(out, "fib_iter") {
		t.Errorf("inspect: code %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wat")
	if err := os.WriteFile(bad, []byte("(module\n  (func (result i32) (i32.frob)))\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runMoat(t, "wat2wasm", bad)
	if code != exitFailure || !strings.Contains(errOut, "bad.wat:2:") {
		t.Errorf("syntax error: code %d, stderr %q (want a line:column)", code, errOut)
	}
	invalid := filepath.Join(dir, "invalid.wat")
	if err := os.WriteFile(invalid, []byte("(module (func (result i32) (i64.const 1)))"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runMoat(t, "wat2wasm", invalid); code != exitFailure || !strings.Contains(errOut, "invalid") {
		t.Errorf("invalid module: code %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runMoat(t, "wat2wasm", "--no-check", invalid, "-o", filepath.Join(dir, "x.wasm")); code != 0 {
		t.Errorf("--no-check: code %d, stderr %q", code, errOut)
	}
	notWasm := filepath.Join(dir, "junk.wasm")
	if err := os.WriteFile(notWasm, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runMoat(t, "wasm2wat", notWasm); code != exitFailure || !strings.Contains(errOut, "magic") {
		t.Errorf("junk: code %d, stderr %q", code, errOut)
	}
	for _, args := range [][]string{{"wat2wasm"}, {"wasm2wat", "a", "b"}, {"wasm2wat", "--bogus", "a"}, {"wat2wasm", "a.wat", "-o"}} {
		if code, _, _ := runMoat(t, args...); code != exitUsage {
			t.Errorf("%v: code %d, want %d", args, code, exitUsage)
		}
	}
	for _, c := range []string{"wat2wasm", "wasm2wat"} {
		if code, out, _ := runMoat(t, "help", c); code != 0 || !strings.Contains(out, "Usage: moat "+c) {
			t.Errorf("help %s: code %d, %q", c, code, out)
		}
	}
}
