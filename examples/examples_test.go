package examples

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/text"
)

func instantiate(t *testing.T, file string) *moat.Instance {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := moat.NewEngine(moat.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := engine.Compile(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	inst, err := moat.NewStore(engine).Instantiate(context.Background(), mod)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return inst
}

func TestFib(t *testing.T) {
	inst := instantiate(t, "fib.wasm")
	for _, c := range []struct {
		fn   string
		n    int32
		want int32
	}{
		{"fib", 0, 0}, {"fib", 1, 1}, {"fib", 20, 6765},
		{"fib_iter", 0, 0}, {"fib_iter", 20, 6765}, {"fib_iter", 40, 102334155},
	} {
		got, err := inst.Func(c.fn).Call(context.Background(), moat.EncodeI32(c.n))
		if err != nil || len(got) != 1 || moat.DecodeI32(got[0]) != c.want {
			t.Errorf("%s(%d) = %v, %v; want %d", c.fn, c.n, got, err, c.want)
		}
	}
}

func TestTrapBacktrace(t *testing.T) {
	inst := instantiate(t, "trap.wasm")
	_, err := inst.Func("average").Call(context.Background(), moat.EncodeI32(10), moat.EncodeI32(0))
	var trap *moat.Trap
	if !errors.As(err, &trap) || trap.Code != moat.TrapIntegerDivideByZero {
		t.Fatalf("average(10, 0) error %v, want an integer-divide-by-zero trap", err)
	}
	var names []string
	for _, f := range trap.Frames {
		names = append(names, f.FuncName)
	}
	want := []string{"divide", "mean", "average"}
	if len(names) != len(want) || names[0] != want[0] || names[1] != want[1] || names[2] != want[2] {
		t.Errorf("backtrace functions %q, want %q", names, want)
	}
}

// binaries are the committed modules and the wat2wasm flags that built
// them from their sources (see the go:generate lines in doc.go).
var binaries = []struct {
	name  string
	flags []string
}{{"fib", nil}, {"trap", []string{"--debug-names"}}}

// TestBinariesMatchSources checks each .wasm against its .wat with only Go:
// the module moat's parser reads from the source and the one its decoder
// reads from the binary must encode the same (custom sections aside,
// unless the binary was built with --debug-names).
func TestBinariesMatchSources(t *testing.T) {
	for _, c := range binaries {
		src, err := os.ReadFile(c.name + ".wat")
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(c.name + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		fromText, err := text.ParseModule(src)
		if err != nil {
			t.Fatalf("%s.wat: %v", c.name, err)
		}
		fromBinary, err := binary.Decode(committed)
		if err != nil {
			t.Fatalf("%s.wasm: %v", c.name, err)
		}
		a, b := binary.Encode(fromText), binary.Encode(fromBinary)
		if len(c.flags) == 0 {
			a, b = testsuite.StripCustoms(a), testsuite.StripCustoms(b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s.wasm does not match %s.wat: run go generate ./examples", c.name, c.name)
		}
	}
}

// wabtVersion is the wat2wasm that built the committed binaries. Another
// version may encode the same modules in other bytes.
const wabtVersion = "1.0.32"

// TestBinariesUpToDate rebuilds each .wasm from its .wat with wabt's
// wat2wasm, when the installed one is the version that built them, and
// checks that the committed bytes are what it makes.
func TestBinariesUpToDate(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm (wabt) not installed; cannot rebuild the binaries from their sources (TestBinariesMatchSources still compares them)")
	}
	out, err := exec.Command(wat2wasm, "--version").Output()
	if version := strings.TrimSpace(string(out)); err != nil || version != wabtVersion {
		t.Skipf("wat2wasm is version %q, not %s, which built the binaries: its bytes may differ (TestBinariesMatchSources still compares them)", version, wabtVersion)
	}
	for _, c := range binaries {
		out := filepath.Join(t.TempDir(), c.name+".wasm")
		args := append(append([]string{}, c.flags...), c.name+".wat", "-o", out)
		if msg, err := exec.Command(wat2wasm, args...).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s: %v\n%s", c.name, err, msg)
		}
		fresh, _ := os.ReadFile(out)
		committed, _ := os.ReadFile(c.name + ".wasm")
		if !bytes.Equal(fresh, committed) {
			t.Errorf("%s.wasm is stale: run go generate ./examples", c.name)
		}
	}
}
