package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moat-run/moat/internal/wat"
)

const wat2wasmUsage = `Usage: moat wat2wasm [--no-check] IN.wat [-o OUT.wasm]

Converts a module in the WebAssembly text format to the binary format.
Writes OUT.wasm, by default IN with its extension replaced by .wasm
("-o -" writes to standard output). The module is validated first; a
syntax error (with line and column) or an invalid module exits 1.

  -o PATH       where to write the binary module
  --no-check    write the module even if it does not validate
`

const wasm2watUsage = `Usage: moat wasm2wat IN.wasm [-o OUT.wat]

Prints a binary module in the WebAssembly text format, one instruction per
line with explicit indices, to standard output or to OUT.wat. Any module
that decodes prints, valid or not; printing it and converting it back with
wat2wasm gives the same bytes (custom sections aside). A text module as
IN is accepted too (it is printed in the same normalised form).

  -o PATH       where to write the text (default standard output)
`

// convertArgs is the command line of wat2wasm and wasm2wat.
type convertArgs struct {
	in, out string
	noCheck bool
}

// parseConvertArgs reads IN, -o PATH (also -o=PATH, --output) and, when
// allowNoCheck, --no-check, in any order. help reports -h.
func parseConvertArgs(cmd string, args []string, allowNoCheck bool, stderr io.Writer) (a convertArgs, help bool, code int) {
	var ins []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case isHelpFlag(arg):
			return a, true, exitOK
		case arg == "--no-check" && allowNoCheck:
			a.noCheck = true
		case arg == "-o" || arg == "--output" || arg == "-output":
			if i+1 >= len(args) {
				return a, false, usageError(stderr, cmd, "flag %s needs a value", arg)
			}
			i++
			a.out = args[i]
		case strings.HasPrefix(arg, "-o="), strings.HasPrefix(arg, "--output="):
			_, a.out, _ = strings.Cut(arg, "=")
		case strings.HasPrefix(arg, "-") && arg != "-":
			return a, false, usageError(stderr, cmd, "unknown flag %s", arg)
		default:
			ins = append(ins, arg)
		}
	}
	if len(ins) != 1 {
		return a, false, usageError(stderr, cmd, "expected exactly one input file, got %d", len(ins))
	}
	a.in = ins[0]
	return a, false, -1
}

func wat2wasmCommand(args []string, stdout, stderr io.Writer) int {
	a, help, code := parseConvertArgs("wat2wasm", args, true, stderr)
	if help {
		fmt.Fprint(stdout, wat2wasmUsage)
		return exitOK
	}
	if code >= 0 {
		return code
	}
	file, err := readModule(a.in)
	if err != nil {
		fmt.Fprintf(stderr, "moat wat2wasm: %v\n", err)
		return exitFailure
	}
	b := file.bin
	if !a.noCheck {
		m, err := decodeModule(b)
		if err == nil {
			err = validateModule(m)
		}
		if err != nil {
			fmt.Fprintf(stderr, "moat wat2wasm: %s\n", file.describe(err))
			return exitFailure
		}
	}
	out := a.out
	if out == "" {
		out = strings.TrimSuffix(a.in, filepath.Ext(a.in)) + ".wasm"
		if out == a.in {
			out += ".wasm"
		}
	}
	return writeOutput("wat2wasm", out, b, stdout, stderr)
}

func wasm2watCommand(args []string, stdout, stderr io.Writer) int {
	a, help, code := parseConvertArgs("wasm2wat", args, false, stderr)
	if help {
		fmt.Fprint(stdout, wasm2watUsage)
		return exitOK
	}
	if code >= 0 {
		return code
	}
	file, err := readModule(a.in)
	if err != nil {
		fmt.Fprintf(stderr, "moat wasm2wat: %v\n", err)
		return exitFailure
	}
	m, err := decodeModule(file.bin)
	if err != nil {
		fmt.Fprintf(stderr, "moat wasm2wat: %s: %v\n", a.in, err)
		return exitFailure
	}
	var buf bytes.Buffer
	if err := wat.Print(&buf, m); err != nil {
		fmt.Fprintf(stderr, "moat wasm2wat: %s: %v\n", a.in, err)
		return exitFailure
	}
	out := a.out
	if out == "" {
		out = "-"
	}
	return writeOutput("wasm2wat", out, buf.Bytes(), stdout, stderr)
}

// writeOutput writes b to path, or to stdout for "-".
func writeOutput(cmd, path string, b []byte, stdout, stderr io.Writer) int {
	var err error
	if path == "-" {
		_, err = stdout.Write(b)
	} else {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat %s: %v\n", cmd, err)
		return exitFailure
	}
	return exitOK
}
