package wasi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/testsuite"
)

// This file runs the WASI preview1 conformance suite
// (github.com/WebAssembly/wasi-testsuite, prebuilt: C, Rust and
// AssemblyScript) through the `moat run` command itself, built once per
// test run, exactly as the upstream runner drives wasmtime: one process per
// test, arguments and environment from the test's JSON spec, the fixture
// folder preopened as "/", stdin a closed pipe, and the exit status and
// stdout checked. See the suite's README.md for the runner semantics.

// wasiSuiteEnv overrides the suite's location; a relative value is relative
// to the repository root.
const wasiSuiteEnv = "MOAT_WASI_TESTSUITE"

// testTimeout bounds one test. Upstream allows 5 s on an optimising
// compiler; the interpreter gets more, and a slow test is logged.
const testTimeout = 60 * time.Second

// suites are the preview1 test folders, relative to the suite root.
var suites = []string{
	"tests/c/testsuite/wasm32-wasip1",
	"tests/rust/testsuite/wasm32-wasip1",
	"tests/assemblyscript/testsuite/wasm32-wasip1",
}

// wasiSuiteDir finds the suite, or skips the test saying where it looked.
func wasiSuiteDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(wasiSuiteEnv)
	if dir == "" {
		dir = filepath.Join("..", "shared", "wasi-testsuite")
	}
	if !filepath.IsAbs(dir) {
		root, err := testsuite.RepoRoot()
		if err != nil {
			t.Skipf("WASI testsuite not found: %v", err)
		}
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, suites[0])); err != nil {
		t.Skipf("WASI testsuite not found at %s (set %s to the wasi-testsuite folder, absolute or relative to the repository root): %v",
			dir, wasiSuiteEnv, err)
	}
	return dir
}

// moatCommand builds cmd/moat into a temporary folder of t, or returns
// $MOAT_BIN when set.
func moatCommand(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MOAT_BIN"); bin != "" {
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH, so moat cannot be built for the WASI testsuite: %v", err)
	}
	root, err := testsuite.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "moat")
	cmd := exec.Command(goTool, "build", "-o", bin, "./cmd/moat")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/moat: %v\n%s", err, out)
	}
	return bin
}

// spec is a test's legacy-format JSON run spec. env keeps the file's order.
type spec struct {
	Args     []string   `json:"args"`
	Root     *string    `json:"root"`
	Env      orderedEnv `json:"env"`
	ExitCode int        `json:"exit_code"`
	Stdout   *string    `json:"stdout"`
	Stderr   *string    `json:"stderr"`
}

// orderedEnv is a JSON object of strings, read as NAME=VALUE in file order.
type orderedEnv []string

func (e *orderedEnv) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("env: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var value string
		if err := dec.Decode(&value); err != nil {
			return err
		}
		*e = append(*e, tok.(string)+"="+value)
	}
	return nil
}

func readSpec(wasmPath string) (spec, error) {
	var s spec
	b, err := os.ReadFile(strings.TrimSuffix(wasmPath, ".wasm") + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", wasmPath, err)
	}
	return s, nil
}

// copyTree copies a fixture folder with ordinary permissions (the stored
// suite is read-only; the tests write into their root).
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, b, 0o644)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, dst)
		}
		return nil
	})
}

func TestWASITestsuite(t *testing.T) {
	root := wasiSuiteDir(t)
	bin := moatCommand(t)
	var engineNames = []string{"interp"}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		engineNames = append(engineNames, "compiler")
	}
	total := 0
	for _, suite := range suites {
		tests, err := filepath.Glob(filepath.Join(root, suite, "*.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(tests)
		total += len(tests)
		lang := strings.Split(suite, "/")[1]
		for _, wasmPath := range tests {
			name := lang + "/" + strings.TrimSuffix(filepath.Base(wasmPath), ".wasm")
			for _, engine := range engineNames {
				t.Run(engine+"/"+name, func(t *testing.T) {
					t.Parallel()
					runSuiteTest(t, bin, engine, wasmPath)
				})
			}
		}
	}
	if total != 72 {
		t.Errorf("found %d tests in %s, want 72", total, root)
	}
}

func runSuiteTest(t *testing.T, bin, engine, wasmPath string) {
	s, err := readSpec(wasmPath)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "--engine", engine}
	for _, kv := range s.Env {
		args = append(args, "--env", kv)
	}
	if s.Root != nil {
		dir := filepath.Join(t.TempDir(), "root")
		if err := copyTree(filepath.Join(filepath.Dir(wasmPath), *s.Root), dir); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--dir", dir+"::/")
	}
	args = append(args, wasmPath)
	args = append(args, s.Args...)

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{} // the guest's environment comes from --env only
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Close() // as the upstream runner does when it starts waiting
	err = cmd.Wait()
	elapsed := time.Since(start)
	code := 0
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("timed out after %v\nmoat %s\nstderr:\n%s", testTimeout, strings.Join(args, " "), stderr.String())
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if elapsed > 5*time.Second {
		t.Logf("took %v (upstream allows 5s)", elapsed.Round(time.Millisecond))
	}
	var problems []string
	if code != s.ExitCode {
		problems = append(problems, fmt.Sprintf("exit status %d, want %d", code, s.ExitCode))
	}
	if s.Stdout != nil && !strings.HasPrefix(stdout.String(), *s.Stdout) {
		problems = append(problems, fmt.Sprintf("stdout %q, want it to start with %q", stdout.String(), *s.Stdout))
	}
	if s.Stderr != nil && !strings.HasPrefix(stderr.String(), *s.Stderr) {
		problems = append(problems, fmt.Sprintf("stderr %q, want it to start with %q", stderr.String(), *s.Stderr))
	}
	if len(problems) > 0 {
		t.Errorf("%s\nmoat %s\nstdout:\n%s\nstderr:\n%s", strings.Join(problems, "; "), strings.Join(args, " "),
			limit(stdout.String()), limit(stderr.String()))
	}
}

// limit shortens long output in failure messages.
func limit(s string) string {
	const most = 4000
	if len(s) > most {
		return s[:most] + "\n... (cut)"
	}
	return s
}
