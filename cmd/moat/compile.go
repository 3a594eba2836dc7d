package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

const compileUsage = `Usage: moat compile [FLAGS] MODULE

Compiles MODULE (.wasm, or text) ahead of time into a moat artifact: its
native code, what instantiating it needs, and a digest of it all (and a
signature with --sign). 'moat run --allow-precompiled FILE' runs it without
compiling, mapping the code from the file.

  -o FILE          where to write the artifact (default: MODULE with the
                   extension .cwasm); replaced atomically, never half-written
  --sign KEYFILE   sign it with the Ed25519 private key in KEYFILE (PKCS#8
                   PEM, from 'moat keygen' or 'openssl genpkey -algorithm
                   ed25519')
  -O KEY=VALUE[,...]
                   code generation and memory layout, as for 'moat run'
                   (signals-based-traps, memory-reservation,
                   memory-guard-size); repeatable

An artifact runs only under the moat build that made it, on a processor with
the features its code uses (this one's AVX and AVX2 when present, none when
MOAT_NO_AVX is set), with the same code-affecting configuration (the -O
options: 'moat run -O signals-based-traps=n' refuses an artifact compiled
without it); anything else is refused with the field that differs. The artifact is native code:
run artifacts only from sources you trust, or require your signature with
'moat run --trust-key'.
`

func compileCommand(args []string, stdout, stderr io.Writer) int {
	var out, keyFile, module string
	var opts runOptions
	for i := 0; i < len(args); i++ {
		a := args[i]
		if isHelpFlag(a) {
			fmt.Fprint(stdout, compileUsage)
			return exitOK
		}
		if !strings.HasPrefix(a, "-") {
			if module != "" {
				return usageError(stderr, "compile", "expected exactly one MODULE, got %q and %q", module, a)
			}
			module = a
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "o" && name != "output" && name != "sign" && name != "O" {
			return usageError(stderr, "compile", "unknown flag %s", a)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return usageError(stderr, "compile", "flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		switch name {
		case "sign":
			keyFile = value
		case "O":
			if err := applyOptions(&opts, "-O", codegenOptions, value); err != nil {
				return usageError(stderr, "compile", "%v", err)
			}
		default:
			out = value
		}
	}
	if module == "" {
		return usageError(stderr, "compile", "missing MODULE")
	}
	if out == "" {
		out = strings.TrimSuffix(module, filepath.Ext(module)) + ".cwasm"
	}
	var key ed25519.PrivateKey
	if keyFile != "" {
		var err error
		if key, err = readPrivateKey(keyFile); err != nil {
			fmt.Fprintf(stderr, "moat compile: %v\n", err)
			return exitFailure
		}
	}
	file, err := readModule(module)
	if err != nil {
		fmt.Fprintf(stderr, "moat compile: %v\n", err)
		return exitFailure
	}
	if bytes.HasPrefix(file.bin, []byte(artifact.Magic)) {
		fmt.Fprintf(stderr, "moat compile: %s is already a compiled artifact\n", module)
		return exitFailure
	}
	cfg := opts.config
	cfg.Engine = moat.EngineCompiler
	engine, err := moat.NewEngine(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "moat compile: %s\n", errorText(err))
		return exitFailure
	}
	mod, err := engine.Compile(file.bin)
	if err != nil {
		fmt.Fprintf(stderr, "moat compile: %s\n", file.describe(err))
		return exitFailure
	}
	var a []byte
	if key != nil {
		a, err = mod.SerializeSigned(key)
	} else {
		a, err = mod.Serialize()
	}
	if err == nil {
		err = writeAtomically(out, a)
	}
	if err != nil {
		fmt.Fprintf(stderr, "moat compile: %s\n", errorText(err))
		return exitFailure
	}
	return exitOK
}

// writeAtomically writes b to path through a temporary file in the same
// directory and a rename: a process that maps the old file keeps its
// contents, and nobody sees a partial file.
func writeAtomically(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := firstError(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
