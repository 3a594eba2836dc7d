package main

import (
	"strings"
	"testing"
	"time"
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
