package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasm"
	"github.com/moat-run/moat/wasi"
)

const runUsageText = `Usage: moat run [FLAGS] MODULE [ARGS...]

Instantiates MODULE and runs it. moat [FLAGS] MODULE [ARGS...], without the
word run, does the same (see moat help).

Without --invoke, MODULE is a WASI command (wasi_snapshot_preview1, as built
by wasi-libc, Rust wasm32-wasip1, Go GOOS=wasip1, TinyGo, ...): moat runs its
_start export. The program sees argv[0] = MODULE's file name, then ARGS; an
environment of exactly the --env pairs (nothing is inherited from moat's own
environment); moat's stdin, stdout and stderr; and only the directories
granted with --dir. moat exits with the program's proc_exit code, or 0 when
_start returns. WASI defines codes 0 to 125 only: a larger code ends the run
with an error and status 1, as in wasmtime.

With --invoke NAME, calls the exported function NAME with ARGS as its
parameters, parsed by the parameter types: i32 and i64 as decimal (negative
allowed) or 0x-hex; f32 and f64 as decimal floats or nan, inf, -inf, -0;
v128 as 0x and up to 32 hex digits; references only as null. Each result is
printed on its own line. WASI imports work here too (with argv = MODULE).

Flags come before MODULE; everything after MODULE is ARGS.

  --engine E          interp (the interpreter), compiler, or auto (default auto)
  --invoke NAME       the exported function to call instead of _start
  --dir HOST[::GUEST[::ro]]
                      grant the guest the host directory HOST, under the name
                      GUEST (default HOST); repeatable. --dir .::/ makes the
                      current directory the guest's root. With ::ro the guest
                      may read but change nothing beneath it (EPERM)
  --env NAME=VALUE    set a guest environment variable; --env NAME copies
                      moat's own NAME when set; repeatable
  --default-values-unknown-imports
                      function imports that nothing defines return zeros
                      instead of failing to link (e.g. bench.start/bench.end)
  -W KEY=VALUE[,...]  WebAssembly limits and features (wasmtime's names);
                      repeatable:
%s  -O KEY=VALUE[,...]  code generation and memory layout (wasmtime's names);
                      repeatable:
%s  -C KEY=VALUE[,...]  compilation and the compilation cache; repeatable:
%s  --allow-precompiled MODULE may be an artifact from 'moat compile' (.cwasm),
                      which runs without compiling. An artifact is native code
                      that runs with moat's rights: its digest proves it is
                      intact, not who made it, so moat runs one only when
                      told to (as wasmtime does); allow it for artifacts you
                      trust, or add --trust-key
  --trust-key FILE    run only artifacts signed by the Ed25519 public key in
                      FILE (PKIX PEM, from 'moat keygen'); repeatable

A trap prints "trap: <reason>" and a backtrace on stderr; moat then exits
with 134 for a WASI command (as wasmtime does, so that it differs from any
ordinary exit code) and with 1 under --invoke.

Examples:

  moat run --dir data::/ --env LANG=C prog.wasm input.txt
  moat run --dir /srv/static::/static::ro --dir out::/out prog.wasm
  moat run --invoke fib examples/fib.wasm 20
  moat compile prog.wasm && moat run --allow-precompiled prog.cwasm
`

var runUsage = fmt.Sprintf(runUsageText, optionsHelp("-W", wasmOptions), optionsHelp("-O", codegenOptions), optionsHelp("-C", compileOptions))

// exitTrapped is the status of a WASI command that trapped: 128 + SIGABRT,
// as wasmtime exits, so a trap is told apart from the guest's own codes.
const exitTrapped = 134

// runOptions is the parsed command line of `moat run`.
type runOptions struct {
	engine moat.EngineKind
	invoke string
	module string
	args   []string

	dirs []wasi.Preopen // Host, Guest and ReadOnly set; from --dir
	env  []string       // NAME=VALUE, from --env

	// defaultUnknownImports stubs function imports nothing defines.
	defaultUnknownImports bool

	// From -W and -O (options.go).
	timeout          time.Duration // 0: none
	maxWasmStack     int           // bytes; 0: the engine's default
	disabledFeatures moat.Features // features turned off with -W NAME=n
	fuel             *uint64       // from -W fuel=N; nil: unmetered
	config           moat.Config   // from -O: bounds checks and memory layout

	// From -C (options_compile.go): the compilation cache.
	noCache  bool
	cacheDir string // "": defaultCacheDir()
	cacheMax int64  // 0: the library's default

	// allowPrecompiled lets MODULE be an artifact; trustKeys are the
	// --trust-key files that must have signed it.
	allowPrecompiled bool
	trustKeys        []string
}

func runCommand(args []string, stdout, stderr io.Writer) int {
	return runWithStdin(args, os.Stdin, stdout, stderr)
}

// runWithStdin is `moat run` with the guest's stdin given, so tests can feed
// a program fixed input in-process.
func runWithStdin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, help, err := parseRunArgs(args)
	if help {
		fmt.Fprint(stdout, runUsage)
		return exitOK
	}
	if err != nil {
		return usageError(stderr, "run", "%v", err)
	}

	engine, mod, status := loadRunModule(opts, stderr)
	if mod == nil {
		return status
	}

	// Pick the function and parse its arguments before instantiating, so a
	// mistyped command line fails without running the start function.
	name := opts.invoke
	command := name == ""
	var params []uint64
	var ft moat.FuncType
	if command {
		name = "_start"
		if _, ok := exportedFuncType(mod, name); !ok {
			return argError(stderr, "run", "%s has no _start export; call one of its exported functions with --invoke NAME%s",
				opts.module, funcListHint(mod))
		}
	} else {
		var ok bool
		ft, ok = exportedFuncType(mod, name)
		if !ok {
			return argError(stderr, "run", "%s has no exported function %q%s", opts.module, name, funcListHint(mod))
		}
		params, err = parseArgs(toValTypes(ft.Params), opts.args)
		if err != nil {
			return argError(stderr, "run", "%s: %v", name, err)
		}
	}

	linker, err := runLinker(engine, mod, opts.defaultUnknownImports)
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
		return exitFailure
	}
	argv := []string{filepath.Base(opts.module)}
	if command {
		argv = append(argv, opts.args...)
	}
	store := moat.NewStore(engine)
	if opts.fuel != nil {
		if err := store.SetFuel(*opts.fuel); err != nil {
			fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
			return exitFailure
		}
	}
	sys, err := wasi.Attach(store, wasi.Config{
		Args:     argv,
		Env:      opts.env,
		Stdin:    stdin,
		Stdout:   stdout,
		Stderr:   stderr,
		Preopens: opts.dirs,
	})
	if err != nil {
		fmt.Fprintf(stderr, "moat run: %s\n", errorText(err))
		return exitFailure
	}
	defer sys.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.timeout)
		defer cancel()
	}
	inst, err := linker.Instantiate(ctx, store, mod)
	if err != nil {
		return reportRunError(stderr, opts.module, err, command)
	}
	if command {
		code, err := wasi.Run(ctx, inst)
		if err != nil {
			return reportRunError(stderr, opts.module, err, command)
		}
		return exitStatus(stderr, opts.module, code)
	}
	fn := inst.Func(name)
	if fn == nil {
		fmt.Fprintf(stderr, "moat run: %s: export %q is not a function\n", opts.module, name)
		return exitFailure
	}
	results, err := fn.Call(ctx, params...)
	if err != nil {
		return reportRunError(stderr, opts.module, err, command)
	}
	for _, line := range formatResults(toValTypes(ft.Results), results) {
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}

// runLinker defines the WASI imports and, when asked, zero-value stubs for
// mod's other function imports. The stubs go first so that real
// definitions replace them.
func runLinker(engine *moat.Engine, mod *moat.Module, defaultUnknown bool) (*moat.Linker, error) {
	l := moat.NewLinker(engine)
	if defaultUnknown {
		for _, imp := range mod.Imports() {
			ft, ok := imp.Type.(moat.FuncType)
			if !ok {
				continue
			}
			words := resultWords(ft.Results)
			zeros := func(_ context.Context, _ *moat.Caller, stack []uint64) error {
				clear(stack[:words])
				return nil
			}
			if err := l.DefineHostFunc(imp.Module, imp.Name, ft, zeros); err != nil {
				return nil, err
			}
		}
	}
	if err := wasi.DefineImports(l); err != nil {
		return nil, err
	}
	return l, nil
}

// resultWords counts the stack words results take: a v128 takes two.
func resultWords(results []moat.ValueType) int {
	words := len(results)
	for _, t := range results {
		if t == moat.ValueV128 {
			words++
		}
	}
	return words
}

// parseRunArgs reads flags up to the first non-flag word (MODULE); the
// words after MODULE are the program's or function's arguments, even if
// they look like flags (e.g. -5).
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
		case "default-values-unknown-imports", "allow-precompiled":
			if hasValue {
				return opts, false, fmt.Errorf("flag --%s takes no value", flagName)
			}
			if flagName == "allow-precompiled" {
				opts.allowPrecompiled = true
			} else {
				opts.defaultUnknownImports = true
			}
			continue
		case "engine", "invoke", "dir", "env", "W", "O", "C", "trust-key":
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
		case "dir":
			p, err := parseDir(value)
			if err != nil {
				return opts, false, err
			}
			opts.dirs = append(opts.dirs, p)
		case "W":
			if err := applyOptions(&opts, "-W", wasmOptions, value); err != nil {
				return opts, false, err
			}
		case "O":
			if err := applyOptions(&opts, "-O", codegenOptions, value); err != nil {
				return opts, false, err
			}
		case "C":
			if err := applyOptions(&opts, "-C", compileOptions, value); err != nil {
				return opts, false, err
			}
		case "trust-key":
			opts.trustKeys = append(opts.trustKeys, value)
		case "env":
			kv, ok, err := parseEnv(value)
			if err != nil {
				return opts, false, err
			}
			if ok {
				opts.env = append(opts.env, kv)
			}
		}
	}
	if i >= len(args) {
		return opts, false, errors.New("missing MODULE")
	}
	opts.module = args[i]
	opts.args = args[i+1:]
	// Accept `MODULE -- ARGS` too, as before WASI: no wasm value is spelled
	// "--", and a program that wants "--" first can get it with `-- --`.
	if len(opts.args) > 0 && opts.args[0] == "--" {
		opts.args = opts.args[1:]
	}
	return opts, false, nil
}

// parseDir reads --dir HOST[::GUEST[::ro]]: wasmtime's spelling, and a
// ::ro suffix for a directory the guest may read but not change.
func parseDir(value string) (wasi.Preopen, error) {
	parts := strings.Split(value, "::")
	p := wasi.Preopen{Host: parts[0], Guest: parts[0]}
	if len(parts) > 1 {
		p.Guest = parts[1]
	}
	if len(parts) == 3 && parts[2] == "ro" {
		p.ReadOnly = true
	}
	if len(parts) > 3 || len(parts) == 3 && !p.ReadOnly || p.Host == "" || p.Guest == "" {
		return wasi.Preopen{}, fmt.Errorf("--dir %q: want HOST, HOST::GUEST or HOST::GUEST::ro", value)
	}
	return p, nil
}

// parseEnv reads --env NAME=VALUE, or --env NAME, which copies moat's own
// variable when it is set (ok is false when it is not).
func parseEnv(value string) (kv string, ok bool, err error) {
	name, _, hasValue := strings.Cut(value, "=")
	if name == "" {
		return "", false, fmt.Errorf("--env %q: want NAME=VALUE or NAME", value)
	}
	if hasValue {
		return value, true, nil
	}
	v, set := os.LookupEnv(name)
	if !set {
		return "", false, nil
	}
	return name + "=" + v, true, nil
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
// returns the exit status. proc_exit from a function called with --invoke
// (or from a start function) ends the run with the guest's code.
func reportRunError(stderr io.Writer, module string, err error, command bool) int {
	var exit *wasi.ExitError
	if errors.As(err, &exit) {
		return exitStatus(stderr, module, exit.Code)
	}
	var trap *moat.Trap
	if errors.As(err, &trap) {
		fmt.Fprintf(stderr, "trap: %s\n", trap.Message)
		writeBacktrace(stderr, trap)
		if command {
			return exitTrapped
		}
		return exitFailure
	}
	fmt.Fprintf(stderr, "moat run: %s: %s\n", module, errorText(err))
	return exitFailure
}

// maxExitCode bounds the proc_exit codes passed on as moat's own status.
// WASI defines codes below 126 only. Larger ones would be truncated by the
// operating system (256 exits 0, so a failing guest looks like a success)
// or read as "killed by a signal" (128 and up), so, as wasmtime does,
// they end the run with an error and status 1.
const maxExitCode = 125

// exitStatus is moat's exit status for a guest's proc_exit code.
func exitStatus(stderr io.Writer, module string, code uint32) int {
	if code <= maxExitCode {
		return int(code)
	}
	fmt.Fprintf(stderr, "moat run: %s: exit with invalid exit status %d, outside of [0..%d)\n", module, code, maxExitCode+1)
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
