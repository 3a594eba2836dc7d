package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // trap, compile error, failing spec test, unreadable file
	exitUsage   = 2 // the command line itself is wrong
)

// command is one subcommand: its usage text and its entry point, which gets
// the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	usage   string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run a WASI program (its _start), or one exported function with --invoke", runUsage, runCommand},
		{"compile", "compile a module ahead of time into an artifact (.cwasm)", compileUsage, compileCommand},
		{"keygen", "make an Ed25519 key pair for signing artifacts", keygenUsage, keygenCommand},
		{"inspect", "list a module's sections, imports and exports", inspectUsage, inspectCommand},
		{"spectest", "run WebAssembly spec test scripts (.wast, or wast2json .json)", spectestUsage, spectestCommand},
		{"wat2wasm", "convert a text module (.wat) to the binary format", wat2wasmUsage, wat2wasmCommand},
		{"wasm2wat", "print a binary module (.wasm) in the text format", wasm2watUsage, wasm2watCommand},
		{"serve", "serve HTTP, a fresh sandbox per request (CGI over WASI)", serveUsage, serveCommand},
		{"push", "push a module to an OCI registry", pushUsage, pushCommand},
		{"pull", "pull a module from an OCI registry into the local store", pullUsage, pullCommand},
		{"version", "print moat's version and build", versionUsage, versionCommand},
	}
}

// run is the whole command, in-process: args exclude the program name.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch {
	case name == "help" || isHelpFlag(name):
		if len(args) > 1 {
			if c, ok := lookupCommand(args[1]); ok {
				fmt.Fprint(stdout, c.usage)
				return exitOK
			}
			fmt.Fprintf(stderr, "moat: unknown command %q (run 'moat help' for usage)\n", args[1])
			return exitUsage
		}
		writeUsage(stdout)
		return exitOK
	case isVersionFlag(name):
		return versionCommand(args[1:], stdout, stderr)
	}
	if c, ok := lookupCommand(name); ok {
		return c.run(args[1:], stdout, stderr)
	}
	if impliesRun(name) {
		return runCommand(args, stdout, stderr)
	}
	fmt.Fprintf(stderr, "moat: unknown command %q, and no module file of that name (run 'moat help' for usage)\n", name)
	return exitUsage
}

// impliesRun reports whether a first argument that names no command starts
// `moat run`, as `wasmtime x.wasm` runs x.wasm: a flag (of run, which takes
// its flags before MODULE), an existing file, or a name ending in .wasm,
// .wat or .wast (so that a missing module is reported as missing, not as an
// unknown command).
func impliesRun(arg string) bool {
	if strings.HasPrefix(arg, "-") && arg != "-" {
		return true
	}
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".wasm", ".wat", ".wast":
		return true
	}
	fi, err := os.Stat(arg)
	return err == nil && !fi.IsDir()
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func writeUsage(w io.Writer) {
	fmt.Fprint(w, "moat runs WebAssembly modules in a sandbox.\n\nUsage:\n\n  moat COMMAND [ARGUMENTS]\n  moat [RUN FLAGS] MODULE [ARGS...]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "  help      show this text, or `moat help COMMAND` for one command\n")
	fmt.Fprint(w, `
moat MODULE [ARGS...] is moat run MODULE [ARGS...], as with wasmtime: a first
argument that is not a command but a flag, an existing file, or a name
ending in .wasm, .wat or .wast starts moat run. A command name always wins:
to run a file named like a command, write moat run NAME or moat ./NAME.

--version (or -V) is moat version.
`)
}

// usageError reports a command line the command cannot parse, in one line
// that points at the command's usage, and returns exitUsage.
func usageError(stderr io.Writer, c string, format string, args ...any) int {
	fmt.Fprintf(stderr, "moat %s: %s (run 'moat help %s' for usage)\n", c, fmt.Sprintf(format, args...), c)
	return exitUsage
}

// argError reports a command line that parses but does not fit the module
// (wrong export, wrong arguments): the message and a pointer to the usage.
func argError(stderr io.Writer, c string, format string, args ...any) int {
	fmt.Fprintf(stderr, "moat %s: %s\n(run 'moat help %s' for usage)\n", c, fmt.Sprintf(format, args...), c)
	return exitUsage
}

// isHelpFlag reports whether arg asks for a command's help.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// isVersionFlag reports whether arg asks for moat's version.
func isVersionFlag(arg string) bool {
	return arg == "-V" || arg == "-version" || arg == "--version"
}
