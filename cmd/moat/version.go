package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/moat-run/moat"
)

const versionUsage = `Usage: moat version   (or moat --version, moat -V)

Prints moat's version and how this binary was built: the module version
(a release tag for go install ...@vX.Y.Z, a pseudo-version or (devel) for
a build from a checkout), the VCS revision and its time when the build
recorded them, the Go toolchain, the platform, and the engine that
--engine auto picks on this machine.
`

func versionCommand(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if isHelpFlag(a) {
			fmt.Fprint(stdout, versionUsage)
			return exitOK
		}
	}
	if len(args) > 0 {
		if strings.HasPrefix(args[0], "-") {
			return usageError(stderr, "version", "unknown flag %s", args[0])
		}
		return usageError(stderr, "version", "unexpected argument %q", args[0])
	}
	bi, _ := debug.ReadBuildInfo()
	writeVersion(stdout, bi, engineLine())
	return exitOK
}

// writeVersion prints the version report; bi may be nil (a binary built
// without module support).
func writeVersion(w io.Writer, bi *debug.BuildInfo, engine string) {
	version := "(devel)"
	var revision, vcsTime string
	modified := false
	if bi != nil {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				vcsTime = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(w, "moat %s\n", version)
	if revision != "" {
		if modified {
			revision += " (modified)"
		}
		fmt.Fprintf(w, "  revision: %s\n", revision)
	}
	if vcsTime != "" {
		fmt.Fprintf(w, "  time:     %s\n", vcsTime)
	}
	fmt.Fprintf(w, "  go:       %s\n", runtime.Version())
	fmt.Fprintf(w, "  platform: %s/%s\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "  engine:   %s\n", engine)
}

// engineLine says which engine --engine auto picks here and, when it is
// the interpreter, why the compiler is not available.
func engineLine() string {
	e, err := moat.NewEngine(moat.Config{})
	if err != nil {
		return "none: " + errorText(err)
	}
	kind := e.Config().Engine
	if kind == moat.EngineCompiler {
		return "compiler (native code; the interpreter is available with --engine interp)"
	}
	_, err = moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		return fmt.Sprintf("%s (%s)", kind, errorText(err))
	}
	return kind.String()
}
