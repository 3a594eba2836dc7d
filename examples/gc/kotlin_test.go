package gcexamples

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/vm/gcheap"
	"github.com/moat-run/moat/wasi"
)

var update = flag.Bool("update", false, "rebuild kotlin/prog.wasm with $KOTLIN_HOME/bin/kotlinc-wasm")

// kotlinVersion is the compiler that built kotlin/prog.wasm.
const kotlinVersion = "2.4.20"

// TestKotlinProgram runs the Kotlin/Wasm program under WASI on each
// engine and compares its output with kotlin/expected.txt, the GC heap
// verified after every collection.
func TestKotlinProgram(t *testing.T) {
	gcheap.SetVerify(true)
	bin, err := os.ReadFile("kotlin/prog.wasm")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("kotlin/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		t.Run(kind.String(), func(t *testing.T) {
			e, err := moat.NewEngine(moat.Config{Engine: kind})
			if err != nil {
				if kind == moat.EngineCompiler {
					t.Skipf("compiler engine: %v", err)
				}
				t.Fatal(err)
			}
			runKotlin(t, e, bin, want)
		})
	}
}

// runKotlin runs prog.wasm (bin) on engine e and checks its output and heap.
func runKotlin(t *testing.T, e *moat.Engine, bin, want []byte) {
	m, err := e.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	s := moat.NewStore(e)
	defer s.Close()
	var out bytes.Buffer
	sys, err := wasi.Attach(s, wasi.Config{Args: []string{"prog"}, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	l := moat.NewLinker(e)
	wasi.DefineImports(l)
	inst, err := l.Instantiate(context.Background(), s, m)
	if err != nil {
		t.Fatal(err)
	}
	code, err := wasi.Run(context.Background(), inst)
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out.String())
	}
	if out.String() != string(want) {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if st := s.GCStats(); st.AllocatedBytes == 0 {
		t.Errorf("the program allocated nothing on the GC heap: %+v", st)
	}
	if n, err := gcheap.VerifyFailures(); n != 0 {
		t.Fatalf("%d heap verifications failed, last: %v", n, err)
	}
}

// TestKotlinBinaryUpToDate rebuilds prog.wasm from main.kt when the
// compiler is at hand and checks (or, with -update, replaces) the
// committed binary.
func TestKotlinBinaryUpToDate(t *testing.T) {
	home := os.Getenv("KOTLIN_HOME")
	if home == "" {
		t.Skip("KOTLIN_HOME is not set: kotlin/prog.wasm needs kotlinc-wasm " + kotlinVersion + " (npm: kotlin-compiler@" + kotlinVersion + ") and Java to rebuild")
	}
	kotlinc := filepath.Join(home, "bin", "kotlinc-wasm")
	// -version prints the version, then fails for want of sources.
	ver, _ := exec.Command(kotlinc, "-version").CombinedOutput()
	if !strings.Contains(string(ver), "kotlinc-wasm "+kotlinVersion+" ") {
		t.Skipf("%s is not version %s: %s", kotlinc, kotlinVersion, ver)
	}
	dir := t.TempDir()
	common := []string{"-Xwasm-target=wasm-wasi", "-Xwasm-use-new-exception-proposal",
		"-libraries", filepath.Join(home, "lib", "kotlin-stdlib-wasm-wasi.klib")}
	steps := [][]string{
		append(append([]string{}, common...), "-ir-output-dir", filepath.Join(dir, "klib"), "-ir-output-name", "prog", "kotlin/main.kt"),
		append(append([]string{}, common...), "-ir-output-dir", filepath.Join(dir, "out"), "-ir-output-name", "prog",
			"-Xinclude="+filepath.Join(dir, "klib", "prog.klib"), "-Xir-produce-js"),
	}
	for _, args := range steps {
		if out, err := exec.Command(kotlinc, args...).CombinedOutput(); err != nil {
			t.Fatalf("kotlinc-wasm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	built, err := os.ReadFile(filepath.Join(dir, "out", "prog.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("kotlin/prog.wasm", built, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	committed, err := os.ReadFile("kotlin/prog.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, committed) {
		t.Error("kotlin/prog.wasm differs from what main.kt builds to: go generate ./examples/gc")
	}
}
