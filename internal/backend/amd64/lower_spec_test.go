package amd64

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/backend"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
)

// TestCompileSpecModules compiles every function of every valid, SIMD-free
// module of the spec suite: decode, validate, translate, optimise, lower,
// allocate, check the allocation, emit.
func TestCompileSpecModules(t *testing.T) {
	dir := testsuite.Spec(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	al := backend.NewAllocator()
	var funcs, modules, failures int
	var total time.Duration
	var bytes int
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := binary.Decode(data)
		if err != nil || validate.Module(m) != nil {
			continue
		}
		if err := frontend.CheckSIMD(m); err != nil {
			if !errors.Is(err, frontend.ErrSIMD) {
				t.Errorf("%s: %v", file, err)
			}
			continue
		}
		modules++
		for i := range m.Code {
			fn := m.NumImportedFuncs + uint32(i)
			f, err := frontend.Translate(m, fn, nil)
			if err != nil {
				t.Errorf("%s: translate %d: %v", file, fn, err)
				continue
			}
			ssa.Optimize(f)
			start := time.Now()
			c, err := Compile(f, Options{Check: true, Allocator: al, SharedPollStub: true})
			total += time.Since(start)
			if err != nil {
				failures++
				if failures <= 20 {
					t.Errorf("%s: function %d: %v", filepath.Base(file), fn, err)
				}
				continue
			}
			bytes += len(c.Code)
			funcs++
		}
	}
	if failures > 0 {
		t.Errorf("%d functions failed", failures)
	}
	if funcs > 0 {
		t.Logf("%d modules, %d functions compiled (with Check), %d code bytes, %v per function", modules, funcs, bytes, total/time.Duration(funcs))
	}
}

func TestCPUSupported(t *testing.T) {
	if err := CPUSupported(); err != nil {
		t.Logf("host CPU: %v", err)
	}
}
