package peers

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoStdPackages are the standard-library packages whose test binaries
// BuildGoTests builds by default: large Go wasip1 modules (5–16 MB, tens of
// thousands of functions, each with the goroutine-resumption br_table).
var GoStdPackages = []string{
	"strconv", "strings", "bytes", "encoding/json", "regexp",
	"math/big", "text/template", "compress/flate",
}

// BuildGoTests builds `go test -c` binaries of pkgs for GOOS=wasip1
// GOARCH=wasm into dir with the go command on PATH, and returns them named
// "go:PKG". The binaries are built, not committed: they depend on the
// toolchain's version.
func BuildGoTests(pkgs []string, dir string) ([]NamedModule, error) {
	var out []NamedModule
	for _, p := range pkgs {
		file := filepath.Join(dir, strings.ReplaceAll(p, "/", "_")+".test.wasm")
		cmd := exec.Command("go", "test", "-c", "-o", file, p)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go test -c %s for wasip1: %v: %s", p, err, stderr.Bytes())
		}
		wasm, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, NamedModule{Name: "go:" + p, Wasm: wasm})
	}
	return out, nil
}
