package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasm"
)

// The -W options of `moat run` (WebAssembly limits and features) and its -O
// options (code generation), in wasmtime's spelling: each flag takes
// KEY=VALUE pairs, comma-separated or in repeated flags, and a bare KEY of a
// boolean option means KEY=y. One table per flag, one row per key.

// runOption is one key of -W or -O.
type runOption struct {
	key   string
	value string // the value's form, for the help text
	help  string
	set   func(o *runOptions, value string) error
}

// wasmOptions are the keys of -W.
var wasmOptions = append([]runOption{
	{"timeout", "DURATION", "trap with \"interrupted\" once the run has taken DURATION (e.g. 500ms, 10s; a plain number is seconds)",
		func(o *runOptions, v string) error {
			d, err := parseTimeout(v)
			o.timeout = d
			return err
		}},
	{"max-wasm-stack", "N", "the stack, in bytes (K, M, G suffixes allowed), the guest's wasm frames may use before \"call stack exhausted\" (default 8M)",
		func(o *runOptions, v string) error {
			n, err := parseSize(v)
			if err == nil && (n == 0 || n > 1<<30) {
				err = fmt.Errorf("%q is out of range (1 byte to 1G)", v)
			}
			o.maxWasmStack = int(n)
			return err
		}},
	{"fuel", "N", "meter execution with N units of fuel (one per function call and loop iteration); trap with \"out of fuel\" past them",
		func(o *runOptions, v string) error {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a number of fuel units", v)
			}
			o.fuel, o.config.ConsumeFuel = &n, true
			return nil
		}},
}, featureOptions()...)

// featureOptions are the -W keys that turn a WebAssembly 3.0 feature on
// (y, the default) or off (n), one per feature, by Wasmtime's names.
func featureOptions() []runOption {
	var rows []runOption
	for _, name := range wasm.FeatureNames() {
		f, _ := moat.ParseFeature(name)
		rows = append(rows, runOption{name, "y|n", "the " + name + " feature of WebAssembly 3.0 (default y)",
			func(o *runOptions, v string) error {
				on, err := parseBool(v)
				if on {
					o.disabledFeatures &^= f
				} else {
					o.disabledFeatures |= f
				}
				return err
			}})
	}
	return rows
}

// codegenOptions are the keys of -O (code generation and memory layout).
var codegenOptions = []runOption{
	{"signals-based-traps", "y|n", "n: check every load and store explicitly instead of relying on guard pages and moat's signal handler (default y where moat has the handler: linux/amd64)",
		func(o *runOptions, v string) error {
			on, err := parseBool(v)
			o.config.BoundsChecks = moat.BoundsChecksExplicit
			if on {
				o.config.BoundsChecks = moat.BoundsChecksGuardPages
			}
			return err
		}},
	{"memory-reservation", "SIZE", "address space reserved for each linear memory (default 4G with signals-based traps, else each memory's own maximum)",
		func(o *runOptions, v string) error {
			n, err := parseSize(v)
			o.config.MemoryReservation = n
			return err
		}},
	{"memory-guard-size", "SIZE", "inaccessible address space after each memory's reservation and before it (default 32M with signals-based traps, else 0)",
		func(o *runOptions, v string) error {
			n, err := parseSize(v)
			o.config.MemoryGuardSize = n
			if n == 0 {
				o.config.MemoryGuardSize = moat.NoMemoryGuard
			}
			return err
		}},
}

// applyOptions applies the value of one -W or -O flag.
func applyOptions(o *runOptions, flag string, table []runOption, value string) error {
	if value == "" {
		return fmt.Errorf("%s needs KEY=VALUE", flag)
	}
	for pair := range strings.SplitSeq(value, ",") {
		key, v, _ := strings.Cut(pair, "=")
		opt, ok := lookupOption(table, key)
		if !ok {
			return fmt.Errorf("unknown %s option %q (known: %s)", flag, key, optionKeys(table))
		}
		if err := opt.set(o, v); err != nil {
			return fmt.Errorf("%s %s: %v", flag, key, err)
		}
	}
	return nil
}

func lookupOption(table []runOption, key string) (runOption, bool) {
	for _, opt := range table {
		if opt.key == key {
			return opt, true
		}
	}
	return runOption{}, false
}

func optionKeys(table []runOption) string {
	keys := make([]string, len(table))
	for i, opt := range table {
		keys[i] = opt.key
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// optionsHelp formats a table for the usage text.
func optionsHelp(flag string, table []runOption) string {
	var b strings.Builder
	for _, opt := range table {
		fmt.Fprintf(&b, "      %s %s=%s\n", flag, opt.key, opt.value)
		fmt.Fprintf(&b, "            %s\n", opt.help)
	}
	return b.String()
}

// parseTimeout reads a Go duration, or a plain number of seconds.
func parseTimeout(v string) (time.Duration, error) {
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0, fmt.Errorf("%q is not a positive duration", v)
		}
		return time.Duration(s * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (e.g. 500ms, 10s)", v)
	}
	return d, nil
}

// parseBool reads a boolean option's value: y, yes, true, 1 or empty (a
// bare KEY) for true; n, no, false, 0 for false.
func parseBool(v string) (bool, error) {
	switch v {
	case "", "y", "yes", "true", "1":
		return true, nil
	case "n", "no", "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not y or n", v)
}

// parseSize reads a byte count: a number with an optional K, M or G suffix
// (powers of 1024, with or without a trailing B or iB).
func parseSize(v string) (uint64, error) {
	s := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(v), "B"), "I")
	mult := uint64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil || n > ^uint64(0)/mult {
		return 0, fmt.Errorf("%q is not a byte count (e.g. 65536, 512K, 8M)", v)
	}
	return n * mult, nil
}
