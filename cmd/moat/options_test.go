package main

import (
	"os"
	"path/filepath"
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
	for _, bad := range []string{"timeout=-1s", "timeout=soon", "nosuch=1", ""} {
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
	if opts.config != want {
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
