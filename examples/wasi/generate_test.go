package wasiexamples

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/fixture"
)

// update rebuilds the committed binaries (go generate runs the tests with
// it) instead of comparing against them.
var update = flag.Bool("update", false, "rebuild tour_c.wasm, its toolchain record and tour_go.wasm")

const (
	cSource    = "tourc/tour.c"
	cBinary    = "tourc/tour_c.wasm"
	cToolchain = "tourc/tour_c.toolchain" // the tools that built cBinary
)

// cTools names what rebuilding tour_c.wasm needs, for skip messages.
const cTools = "clang, wasm-ld (lld), wasi-libc and compiler-rt for wasm32 " +
	"(Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32), and wasm-opt (Debian: binaryen)"

// buildC builds tour_c.wasm into dir along one fixed pipeline, so that the
// bytes depend on the tools' versions only, never on which other tools are
// installed: clang links without an -O flag because, given one, it runs
// wasm-opt after linking whenever wasm-opt is on PATH; wasm-opt then runs
// explicitly with fixed flags. clangPATH, when not empty, is the PATH clang
// runs with (wasm-opt is still found on the test's own PATH).
func buildC(dir, clangPATH string) (string, error) {
	wasmOpt, err := exec.LookPath("wasm-opt")
	if err != nil {
		return "", err
	}
	clang := "clang"
	env := os.Environ()
	if clangPATH != "" {
		clang = filepath.Join(clangPATH, "clang")
		env = append(env, "PATH="+clangPATH)
	}
	obj, linked, out := filepath.Join(dir, "tour.o"), filepath.Join(dir, "linked.wasm"), filepath.Join(dir, "tour_c.wasm")
	steps := [][]string{
		{clang, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-c", "-o", obj, cSource},
		{clang, "--target=wasm32-wasi", "-s", "-o", linked, obj},
		{wasmOpt, "-O2", linked, "-o", out},
	}
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Env = env
		if msg, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %v\n%s", strings.Join(s, " "), err, msg)
		}
	}
	return out, nil
}

// TestCBinaryUpToDate rebuilds tour_c.wasm and checks that the committed
// binary matches its source. It runs only with the tools that built the
// committed binary (tour_c.toolchain): other versions make other bytes,
// and a missing tool cannot build it; both skip, saying why.
func TestCBinaryUpToDate(t *testing.T) {
	record, missing := fixture.CToolchain()
	problem := ""
	if len(missing) > 0 {
		problem = fmt.Sprintf("cannot rebuild %s: %s not installed; it needs %s", cBinary, strings.Join(missing, ", "), cTools)
	}
	fixture.Rebuild{
		Binary: cBinary, Toolchain: cToolchain, Record: record, Problem: problem,
		Build: func(dir string) (string, error) { return buildC(dir, "") },
	}.Check(t, *update)
}

// TestCBuildIgnoresPATH: the pipeline makes the same bytes whether or not
// clang finds wasm-opt on PATH (clang alone would run it when it does).
// It needs the tools TestCBinaryUpToDate needs, of any version.
func TestCBuildIgnoresPATH(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tour.c twice")
	}
	if _, missing := fixture.CToolchain(); len(missing) > 0 {
		t.Skipf("%s not installed; the check needs %s", strings.Join(missing, ", "), cTools)
	}
	withWasmOpt, err := buildC(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	// The same PATH, through a directory of links to everything on it
	// but wasm-opt.
	bin := t.TempDir()
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			link := filepath.Join(bin, e.Name())
			if e.Name() == "wasm-opt" || e.IsDir() {
				continue
			}
			if _, err := os.Lstat(link); err == nil {
				continue // an earlier PATH entry has it
			}
			if err := os.Symlink(filepath.Join(dir, e.Name()), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	withoutWasmOpt, err := buildC(t.TempDir(), bin)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(withWasmOpt)
	b, _ := os.ReadFile(withoutWasmOpt)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("tour_c.wasm differs with wasm-opt on clang's PATH (%d bytes) and without (%d bytes)", len(a), len(b))
	}
}

// TestGoBinaryUpToDate rebuilds tour_go.wasm (without VCS stamping, which
// would change with every commit) and compares it with the committed one,
// when the go command on PATH is the toolchain that built it.
func TestGoBinaryUpToDate(t *testing.T) {
	if testing.Short() && !*update {
		t.Skip("building a GOOS=wasip1 binary takes a few seconds")
	}
	const committedPath = "tourgo/tour_go.wasm"
	committed, err := os.ReadFile(committedPath)
	if err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	version, err := exec.Command(goTool, "env", "GOVERSION").Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	goVersion := strings.TrimSpace(string(version))
	if !*update && !bytes.Contains(committed, []byte(goVersion)) {
		t.Skipf("%s was built by another Go toolchain than %s (the go on PATH)", committedPath, goVersion)
	}
	out := filepath.Join(t.TempDir(), "tour_go.wasm")
	cmd := exec.Command(goTool, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./tourgo")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	if *update {
		fixture.CopyFile(t, out, committedPath)
		return
	}
	fixture.SameFile(t, out, committedPath)
}
