package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

func TestWasmOptions(t *testing.T) {
	opts, _, err := parseRunArgs([]string{"-W", "timeout=250ms", "m.wasm"})
	if err != nil || opts.timeout != 250*time.Millisecond {
		t.Fatalf("-W timeout=250ms: %v, %v", opts.timeout, err)
	}
	opts, _, err = parseRunArgs([]string{"-W=timeout=2", "m.wasm"})
	if err != nil || opts.timeout != 2*time.Second {
		t.Fatalf("-W=timeout=2: %v, %v", opts.timeout, err)
	}
	opts, _, err = parseRunArgs([]string{"-W", "timeout=1s,fuel=1000", "m.wasm"})
	if err != nil || opts.fuel == nil || *opts.fuel != 1000 {
		t.Fatalf("-W fuel=1000: %v, %v", opts.fuel, err)
	}
	if opts, _, _ := parseRunArgs([]string{"m.wasm"}); opts.fuel != nil {
		t.Fatal("fuel is metered without -W fuel")
	}
	for _, bad := range []string{"timeout=-1s", "timeout=soon", "nosuch=1", "", "fuel=", "fuel=-1", "fuel=lots"} {
		_, _, err := parseRunArgs([]string{"-W", bad, "m.wasm"})
		if err == nil {
			t.Errorf("-W %q: accepted", bad)
		} else if bad == "nosuch=1" && !strings.Contains(err.Error(), "known: ") {
			t.Errorf("-W %q: %v does not list the known options", bad, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"65536": 65536, "512K": 512 << 10, "8M": 8 << 20, "8MiB": 8 << 20, "1g": 1 << 30, "0x100": 256} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "M", "-1", "1T", "99999999999G"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
	for in, want := range map[string]bool{"": true, "y": true, "n": false, "false": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, err)
		}
	}
}

func TestCodegenOptions(t *testing.T) {
	opts, _, err := parseRunArgs([]string{"-O", "signals-based-traps=n,memory-reservation=1G", "-O=memory-guard-size=64K", "m.wasm"})
	if err != nil {
		t.Fatal(err)
	}
	want := moat.Config{BoundsChecks: moat.BoundsChecksExplicit, MemoryReservation: 1 << 30, MemoryGuardSize: 64 << 10}
	if !reflect.DeepEqual(opts.config, want) {
		t.Fatalf("-O ...: %+v, want %+v", opts.config, want)
	}
	opts, _, err = parseRunArgs([]string{"-O", "signals-based-traps,memory-guard-size=0", "m.wasm"})
	if err != nil || opts.config.BoundsChecks != moat.BoundsChecksGuardPages || opts.config.MemoryGuardSize != moat.NoMemoryGuard {
		t.Fatalf("-O signals-based-traps,memory-guard-size=0: %+v, %v", opts.config, err)
	}
	for _, bad := range []string{"signals-based-traps=maybe", "memory-reservation=lots", "memory-guard-size=-1", "nosuch=1", ""} {
		if _, _, err := parseRunArgs([]string{"-O", bad, "m.wasm"}); err == nil {
			t.Errorf("-O %q: accepted", bad)
		}
	}
}

// TestRunBoundsModes: an out-of-bounds load traps with the same message
// and backtrace whether it is caught by a guard page or by a check.
func TestRunBoundsModes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "oob.wat")
	if err := os.WriteFile(src, []byte(`(module $oob (memory 1)
	  (func $peek (param i32) (result i32) (i32.load offset=8 (local.get 0)))
	  (func (export "main") (param i32) (result i32) (call $peek (local.get 0))))`), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, o := range []string{"signals-based-traps=y", "signals-based-traps=n", "signals-based-traps=y,memory-guard-size=0", "memory-reservation=64K,memory-guard-size=4K"} {
		code, out, errOut := runMoat(t, "run", "--engine", "compiler", "-O", o, "--invoke", "main", src, "65528")
		if code != exitFailure || out != "" || !strings.HasPrefix(errOut, "trap: out of bounds memory access\n") {
			t.Fatalf("-O %s: code %d, stdout %q, stderr %q", o, code, out, errOut)
		}
		outputs = append(outputs, errOut)
		if code, out, _ := runMoat(t, "run", "--engine", "compiler", "-O", o, "--invoke", "main", src, "65524"); code != 0 || out != "0\n" {
			t.Fatalf("-O %s, in bounds: code %d, stdout %q", o, code, out)
		}
	}
	for _, o := range outputs[1:] {
		if o != outputs[0] {
			t.Errorf("the modes report differently:\n%s\n%s", outputs[0], o)
		}
	}
}

// TestPrecompiledBoundsOptions: `moat compile -O` makes code for the
// bounds checks it is given, `moat run --allow-precompiled` runs it only
// with the same -O options (the artifact records them), refusing it
// otherwise with the setting that differs, and `moat inspect` says which
// options load it. Loaded code traps out of bounds as compiled code does.
func TestPrecompiledBoundsOptions(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, BoundsChecks: moat.BoundsChecksGuardPages}); err != nil {
		t.Skipf("no compiler with guard pages here: %v", err)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "oob.wat")
	if err := os.WriteFile(src, []byte(`(module $oob (memory 1)
	  (func $peek (param i32) (result i32) (i32.load offset=8 (local.get 0)))
	  (func (export "main") (param i32) (result i32) (call $peek (local.get 0))))`), 0o644); err != nil {
		t.Fatal(err)
	}
	guard, explicit := filepath.Join(dir, "guard.cwasm"), filepath.Join(dir, "explicit.cwasm")
	if code, _, errOut := runMoat(t, "compile", "-o", guard, src); code != 0 {
		t.Fatalf("compile: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runMoat(t, "compile", "-O", "signals-based-traps=n", "-o", explicit, src); code != 0 {
		t.Fatalf("compile -O signals-based-traps=n: exit %d: %s", code, errOut)
	}
	_, _, direct := runMoat(t, "run", "-C", "cache=n", "--invoke", "main", src, "65528")
	if !strings.HasPrefix(direct, "trap: out of bounds memory access\n") || !strings.Contains(direct, "peek") {
		t.Fatalf("compiled directly: %q", direct)
	}
	for _, c := range []struct {
		art  string
		opts []string
		want string // "": runs and traps as compiled
	}{
		{guard, nil, ""},
		{explicit, []string{"-O", "signals-based-traps=n"}, ""},
		{explicit, []string{"-O", "signals-based-traps=n,memory-reservation=1G"}, ""},
		{guard, []string{"-O", "signals-based-traps=n"}, "artifact bounds checks mismatch: this engine needs explicit, the artifact has guard pages"},
		{explicit, nil, "artifact bounds checks mismatch: this engine needs guard pages, the artifact has explicit"},
		{guard, []string{"-O", "memory-guard-size=64M"}, "artifact memory guard mismatch: this engine needs 67108864, the artifact has 33554432"},
		{guard, []string{"-O", "memory-reservation=8G"}, "artifact memory reservation mismatch: this engine needs 8589934592, the artifact has 4294967296"},
	} {
		args := append(append([]string{"run", "--allow-precompiled"}, c.opts...), "--invoke", "main", c.art, "65528")
		code, out, errOut := runMoat(t, args...)
		if c.want == "" {
			if code != exitFailure || out != "" || errOut != direct {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want the trap\n%s", args, code, out, errOut, direct)
			}
			continue
		}
		if code != exitFailure || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want a refusal %q", args, code, errOut, c.want)
		}
	}
	code, out, errOut := runMoat(t, "inspect", explicit)
	if code != 0 || !regexp.MustCompile(`(?m)^ +bounds checks +explicit\n +fuel +off\n +memory guard +none\n +memory reservation +none$`).MatchString(out) ||
		!strings.Contains(out, "loads in this moat: no: artifact bounds checks mismatch") {
		t.Errorf("inspect: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runMoat(t, "inspect", "-O", "signals-based-traps=n", explicit)
	if code != 0 || !strings.Contains(out, "loads in this moat: yes") {
		t.Errorf("inspect -O signals-based-traps=n: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := runMoat(t, "compile", "-O", "signals-based-traps=maybe", src); code != exitUsage {
		t.Errorf("compile with a bad -O: exit %d, %s", code, errOut)
	}
}
