package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasm"
)

const runUsage = `Usage: moat run [--engine interp|compiler|auto] [--invoke NAME] MODULE [ARGS...]

Instantiates MODULE and runs it.

With --invoke NAME, calls the exported function NAME with ARGS as its
parameters, parsed by the parameter types: i32 and i64 as decimal (negative
allowed) or 0x-hex; f32 and f64 as decimal floats or nan, inf, -inf, -0;
v128 as 0x and up to 32 hex digits; references only as null. Each result is
printed on its own line.

Without --invoke, runs the module's _start export.

Flags come before MODULE; everything after MODULE is ARGS.

  --engine E    interp (the interpreter), compiler, or auto (default auto)
  --invoke NAME the exported function to call

A trap prints "trap: <reason>" and a backtrace on stderr and exits 1.
`

// runOptions is the parsed command line of `moat run`.
type runOptions struct {
	engine moat.EngineKind
	invoke string
	module string
	args   []string
}

func runCommand(args []string, stdout, stderr io.Writer) int {
	opts, help, err := parseRunArgs(args)
	if help {
		fmt.Fprint(stdout, runUsage)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "run", "%v", err)
	}

	b, err := readModule(opts.module)
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %v\n", err)
		return exitFailure
	}
	engine, err := moat.NewEngine(moat.Config{Engine: opts.engine})
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
		return exitFailure
	}
	mod, err := engine.Compile(b)
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s: %s\n", opts.module, errorText(err))
		return exitFailure
	}

	// Pick the function and parse its arguments before instantiating, so a
	// mistyped command line fails without running the start function.
	name := opts.invoke
	if name == "" {
		name = "_start"
		if _, ok := exportedFuncType(mod, name); !ok {
			return argError(stderr, "run", "%s has no _start export; call one of its exported functions with --invoke NAME%s",
				opts.module, funcListHint(mod))
		}
		if len(opts.args) > 0 {
			return argError(stderr, "run", "arguments for _start are WASI program arguments, which moat does not support yet; use --invoke NAME to pass arguments to a function")
		}
	}
	ft, ok := exportedFuncType(mod, name)
	if !ok {
		return argError(stderr, "run", "%s has no exported function %q%s", opts.module, name, funcListHint(mod))
	}
	params, err := parseArgs(toValTypes(ft.Params), opts.args)
	if err != nil {
		return argError(stderr, "run", "%s: %v", name, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	store := moat.NewStore(engine)
	inst, err := store.Instantiate(ctx, mod)
	if err != nil {
		return reportRunError(stderr, opts.module, err)
	}
	fn := inst.Func(name)
	if fn == nil {
		fmt.Fprintf(stderr, "moat run: %s: export %q is not a function\n", opts.module, name)
		return exitFailure
	}
	results, err := fn.Call(ctx, params...)
	if err != nil {
		return reportRunError(stderr, opts.module, err)
	}
	for _, line := range formatResults(toValTypes(ft.Results), results) {
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}

// parseRunArgs reads flags up to the first non-flag word (MODULE); the
// words after MODULE are the function's arguments, even if they look like
// flags (e.g. -5).
func parseRunArgs(args []string) (opts runOptions, help bool, err error) {
	opts.engine = moat.EngineAuto
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
			return opts, true, nil
		}
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch flagName {
		case "engine", "invoke":
		default:
			return opts, false, fmt.Errorf("unknown flag %s", a)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return opts, false, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		switch flagName {
		case "engine":
			k, err := parseEngine(value)
			if err != nil {
				return opts, false, err
			}
			opts.engine = k
		case "invoke":
			if value == "" {
				return opts, false, fmt.Errorf("--invoke needs a function name")
			}
			opts.invoke = value
		}
	}
	if i >= len(args) {
		return opts, false, errors.New("missing MODULE")
	}
	opts.module = args[i]
	opts.args = args[i+1:]
	// Accept `MODULE -- ARGS` too; no wasm value is spelled "--".
	if len(opts.args) > 0 && opts.args[0] == "--" {
		opts.args = opts.args[1:]
	}
	return opts, false, nil
}

func parseEngine(s string) (moat.EngineKind, error) {
	switch s {
	case "interp", "interpreter":
		return moat.EngineInterpreter, nil
	case "compiler":
		return moat.EngineCompiler, nil
	case "auto":
		return moat.EngineAuto, nil
	}
	return 0, fmt.Errorf("unknown engine %q (want interp, compiler or auto)", s)
}

func exportedFuncType(mod *moat.Module, name string) (moat.FuncType, bool) {
	for _, ex := range mod.Exports() {
		if ex.Name == name {
			ft, ok := ex.Type.(moat.FuncType)
			return ft, ok
		}
	}
	return moat.FuncType{}, false
}

// funcListHint names the module's exported functions for error messages.
func funcListHint(mod *moat.Module) string {
	var names []string
	for _, ex := range mod.Exports() {
		if ft, ok := ex.Type.(moat.FuncType); ok {
			names = append(names, ex.Name+" "+ft.String())
		}
	}
	if len(names) == 0 {
		return " (it exports no functions)"
	}
	const most = 20
	more := ""
	if len(names) > most {
		more = fmt.Sprintf("\n  ... and %d more", len(names)-most)
		names = names[:most]
	}
	return "; it exports:\n  " + strings.Join(names, "\n  ") + more
}

// reportRunError prints a trap with its backtrace, or any other error, and
// returns the exit status.
func reportRunError(stderr io.Writer, module string, err error) int {
	var trap *moat.Trap
	if errors.As(err, &trap) {
		fmt.Fprintf(stderr, "trap: %s\n", trap.Message)
		writeBacktrace(stderr, trap)
		return exitFailure
	}
	var le *moat.LinkError
	if errors.As(err, &le) && le.Module == "wasi_snapshot_preview1" {
		fmt.Fprintf(stderr, "moat run: %s: %s (WASI is not supported yet)\n", module, errorText(err))
		return exitFailure
	}
	fmt.Fprintf(stderr, "moat run: %s: %s\n", module, errorText(err))
	return exitFailure
}

// errorText drops the library's "moat: " prefix, which our own prefix repeats.
func errorText(err error) string {
	return strings.TrimPrefix(err.Error(), "moat: ")
}

// Backtraces longer than backtraceHead+backtraceTail frames (deep recursion)
// are shown with their middle elided.
const (
	backtraceHead = 20
	backtraceTail = 5
)

func writeBacktrace(w io.Writer, trap *moat.Trap) {
	frames := trap.Frames
	if len(frames) == 0 {
		return
	}
	fmt.Fprintln(w, "wasm backtrace:")
	for i, f := range frames {
		if len(frames) > backtraceHead+backtraceTail && i == backtraceHead {
			fmt.Fprintf(w, "  ... %d frames elided ...\n", len(frames)-backtraceHead-backtraceTail)
		}
		if len(frames) > backtraceHead+backtraceTail && i >= backtraceHead && i < len(frames)-backtraceTail {
			continue
		}
		fmt.Fprintf(w, "  %d: ", i)
		if f.Module != "" {
			fmt.Fprintf(w, "%s!", f.Module)
		}
		fmt.Fprint(w, f.FuncName)
		if f.Offset >= 0 {
			fmt.Fprintf(w, " @ 0x%x", f.Offset)
		}
		fmt.Fprintln(w)
	}
}

func toValTypes(ts []moat.ValueType) []wasm.ValType {
	out := make([]wasm.ValType, len(ts))
	for i, t := range ts {
		out[i] = wasm.ValType(t)
	}
	return out
}
