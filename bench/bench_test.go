package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/text"
)

// BenchmarkKernels times one kernel call per iteration, as
// BenchmarkKernels/<kernel>/<runtime>. The instance is made and warmed up
// outside the timed loop, and every runtime must return the same checksum.
func BenchmarkKernels(b *testing.B) {
	kernels, err := Kernels()
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range kernels {
		b.Run(k.Name, func(b *testing.B) {
			var want uint64
			for i, rt := range Runtimes() {
				r, err := rt.New(k.Wasm, k.Name)
				if err != nil {
					b.Fatalf("%s: %v", rt.Name, err)
				}
				got, err := r.Call(k.Size)
				if err != nil {
					r.Close()
					b.Fatalf("%s: %v", rt.Name, err)
				}
				if i == 0 {
					want = got
				} else if got != want {
					r.Close()
					b.Fatalf("%s: checksum %#x, want %#x", rt.Name, got, want)
				}
				b.Run(rt.Name, func(b *testing.B) {
					for b.Loop() {
						if _, err := r.Call(k.Size); err != nil {
							b.Fatal(err)
						}
					}
				})
				r.Close()
			}
		})
	}
}

// TestKernelsAgree runs each kernel once on every runtime with a small size
// and checks the checksums match each other and known values.
func TestKernelsAgree(t *testing.T) {
	kernels, err := Kernels()
	if err != nil {
		t.Fatal(err)
	}
	// Small sizes keep the test quick; the checksums were computed
	// independently (by hand and with a short script mirroring each kernel).
	small := map[string]struct {
		size uint64
		want uint64
	}{
		"fib":        {10, 55},
		"sieve":      {100, 25 + 1060}, // 25 primes below 100, summing to 1060
		"matmul":     {4, 80},
		"memcopy":    {2, 14228088291067258660},
		"mandelbrot": {16, 7616},
	}
	for _, k := range kernels {
		s, ok := small[k.Name]
		if !ok {
			t.Fatalf("no small size for kernel %s", k.Name)
		}
		var first uint64
		for i, rt := range Runtimes() {
			r, err := rt.New(k.Wasm, k.Name)
			if err != nil {
				t.Errorf("%s on %s: %v", k.Name, rt.Name, err)
				continue
			}
			got, err := r.Call(s.size)
			r.Close()
			if err != nil {
				t.Errorf("%s on %s: %v", k.Name, rt.Name, err)
				continue
			}
			if got != s.want {
				t.Errorf("%s(%d) on %s = %d, want %d", k.Name, s.size, rt.Name, got, s.want)
			}
			if i == 0 {
				first = got
			} else if got != first {
				t.Errorf("%s(%d): %s gives %#x, %s gives %#x", k.Name, s.size, rt.Name, got, Runtimes()[0].Name, first)
			}
		}
	}
}

// TestCompareSmoke runs the comparison on one tiny kernel so that the table
// code is exercised by `go test`.
func TestCompareSmoke(t *testing.T) {
	kernels, err := Kernels()
	if err != nil {
		t.Fatal(err)
	}
	k := kernels[0]
	k.Size = 5
	rows, err := Compare([]Kernel{k}, Runtimes(), 1)
	if err != nil {
		t.Fatal(err)
	}
	WriteTable(os.Stdout, rows, Runtimes())
}

// TestKernelBinariesMatchSources checks each kernel's .wasm against its
// .wat with only Go: the module moat's parser reads from the source and the
// one its decoder reads from the binary must encode the same, custom
// sections aside.
func TestKernelBinariesMatchSources(t *testing.T) {
	kernels, err := Kernels()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kernels {
		src, err := os.ReadFile(filepath.Join("testdata", k.Name+".wat"))
		if err != nil {
			t.Fatal(err)
		}
		fromText, err := text.ParseModule(src)
		if err != nil {
			t.Fatalf("%s.wat: %v", k.Name, err)
		}
		fromBinary, err := binary.Decode(k.Wasm)
		if err != nil {
			t.Fatalf("%s.wasm: %v", k.Name, err)
		}
		a := testsuite.StripCustoms(binary.Encode(fromText))
		b := testsuite.StripCustoms(binary.Encode(fromBinary))
		if !bytes.Equal(a, b) {
			t.Errorf("testdata/%s.wasm does not match its .wat: run go generate in bench", k.Name)
		}
	}
}

// wabtVersion is the wat2wasm that built the kernels' binaries. Another
// version may encode the same modules in other bytes.
const wabtVersion = "1.0.32"

// TestKernelBinariesUpToDate rebuilds each kernel's .wasm from its .wat
// with wabt's wat2wasm, when the installed one is the version that built
// them, and checks that the committed bytes are what it makes.
func TestKernelBinariesUpToDate(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm (wabt) not installed; cannot rebuild the kernels from their sources (TestKernelBinariesMatchSources still compares them)")
	}
	out, err := exec.Command(wat2wasm, "--version").Output()
	if version := strings.TrimSpace(string(out)); err != nil || version != wabtVersion {
		t.Skipf("wat2wasm is version %q, not %s, which built the kernels: its bytes may differ (TestKernelBinariesMatchSources still compares them)", version, wabtVersion)
	}
	kernels, err := Kernels()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kernels {
		out := filepath.Join(t.TempDir(), k.Name+".wasm")
		src := filepath.Join("testdata", k.Name+".wat")
		if msg, err := exec.Command(wat2wasm, src, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("wat2wasm %s: %v\n%s", src, err, msg)
		}
		fresh, _ := os.ReadFile(out)
		if !bytes.Equal(fresh, k.Wasm) {
			t.Errorf("testdata/%s.wasm is stale: run go generate in bench", k.Name)
		}
	}
}
