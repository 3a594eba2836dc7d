package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/spectest"
)

const spectestUsage = `Usage: moat spectest [--engine interp|compiler|auto] [--timeout D] [--spec V] PATH...

Runs WebAssembly spec test scripts through the engine: the .wast originals
(every command, including assert_malformed of text modules) or their
wast2json .json conversions. Each PATH is a script or a folder searched for
them; a PATH that does not exist is also looked up as a test name under
$MOAT_SPECTEST (e.g. "i32" for $MOAT_SPECTEST/i32/i32.json).

Prints one line per file, then every failure, and last a line
"N passed, M failed, K skipped" (", G need GC" when assertions could not
run because the engine refused their module as needing garbage
collection). Exits 1 if any test failed.

  --engine E    interp, compiler or auto (default auto)
  --timeout D   time limit per file, e.g. 30s (default 2m)
  --spec V      the WebAssembly version the scripts test: 3.0 (default), or
                2.0, which turns every 3.0 feature off (the 2.0 suite expects
                2.0's decoding and validation, e.g. "multiple memories")
`

func spectestCommand(args []string, stdout, stderr io.Writer) int {
	engineKind := moat.EngineAuto
	var timeout time.Duration
	var disabled moat.Features
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if isHelpFlag(a) {
			fmt.Fprint(stdout, spectestUsage)
			return exitOK
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "engine" && name != "timeout" && name != "spec" {
			return usageError(stderr, "spectest", "unknown flag %s", a)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return usageError(stderr, "spectest", "flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		switch name {
		case "engine":
			k, err := parseEngine(value)
			if err != nil {
				return usageError(stderr, "spectest", "%v", err)
			}
			engineKind = k
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return usageError(stderr, "spectest", "bad --timeout %q (want e.g. 30s)", value)
			}
			timeout = d
		case "spec":
			switch value {
			case "3.0", "3":
				disabled = 0
			case "2.0", "2":
				disabled = moat.AllFeatures
			default:
				return usageError(stderr, "spectest", "bad --spec %q (want 2.0 or 3.0)", value)
			}
		}
	}
	paths := args[i:]
	if len(paths) == 0 {
		return usageError(stderr, "spectest", "no PATH given")
	}
	for j, p := range paths {
		paths[j] = resolveSpecPath(p)
	}
	files, err := spectest.Files(paths...)
	if err != nil {
		fmt.Fprintf(stderr, "moat spectest: %v\n", err)
		return exitFailure
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "moat spectest: no .wast or .json scripts under %s\n", strings.Join(paths, ", "))
		return exitFailure
	}
	engine, err := moat.NewEngine(moat.Config{Engine: engineKind, DisabledFeatures: disabled})
	if err != nil {
		fmt.Fprintf(stderr, "moat spectest: %v\n", err)
		return exitFailure
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := spectest.Options{Engine: engine, Timeout: timeout}
	width := 0
	for _, f := range files {
		width = max(width, len(specName(f)))
	}
	var total spectest.Result
	var failures []spectest.Failure
	for _, f := range files {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "moat spectest: interrupted")
			break
		}
		r := spectest.RunFile(ctx, f, opts)
		gc := ""
		if r.NeedGC > 0 {
			gc = fmt.Sprintf(", %d need GC", r.NeedGC)
		}
		fmt.Fprintf(stdout, "%-*s  %5d passed, %4d failed, %3d skipped%s  (%s)\n",
			width, specName(f), r.Passed, r.Failed, r.Skipped, gc, r.Duration.Round(time.Millisecond))
		total.Add(r)
		failures = append(failures, r.Failures...)
	}
	if len(failures) > 0 {
		fmt.Fprintf(stdout, "\nfailures (%d):\n", len(failures))
		for _, f := range failures {
			fmt.Fprintln(stdout, f.String())
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintln(stdout, total.String())
	if total.Failed > 0 || ctx.Err() != nil {
		return exitFailure
	}
	return exitOK
}

// specName is a script's name without folder and extension.
func specName(path string) string {
	return strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".json"), ".wast")
}

// resolveSpecPath maps a bare test name to its script under $MOAT_SPECTEST
// when path itself does not exist.
func resolveSpecPath(path string) string {
	if _, err := os.Stat(path); err == nil {
		return path
	}
	root := os.Getenv("MOAT_SPECTEST")
	if root == "" {
		return path
	}
	name := strings.TrimSuffix(path, ".json")
	for _, candidate := range []string{
		filepath.Join(root, name, name+".json"),
		filepath.Join(root, name+".json"),
		filepath.Join(root, name),
	} {
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
	}
	return path
}
