package main

import (
	"fmt"
	"io"
	"os"
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
	}
}

// run is the whole command, in-process: args exclude the program name.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := lookupCommand(args[1]); ok {
				fmt.Fprint(stdout, c.usage)
				return exitOK
			}
			fmt.Fprintf(stderr, "moat: unknown command %q\n\n", args[1])
			writeUsage(stderr)
			return exitUsage
		}
		writeUsage(stdout)
		return exitOK
	}
	c, ok := lookupCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "moat: unknown command %q\n\n", name)
		writeUsage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
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
	fmt.Fprint(w, "moat runs WebAssembly modules in a sandbox.\n\nUsage:\n\n  moat COMMAND [ARGUMENTS]\n\nCommands:\n\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "  help      show this text, or `moat help COMMAND` for one command\n")
}

// usageError prints a usage problem and the command's usage, and returns exitUsage.
func usageError(stderr io.Writer, c string, format string, args ...any) int {
	fmt.Fprintf(stderr, "moat %s: %s\n\n", c, fmt.Sprintf(format, args...))
	if cmd, ok := lookupCommand(c); ok {
		fmt.Fprint(stderr, cmd.usage)
	}
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
