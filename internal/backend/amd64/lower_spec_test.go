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

// TestCompileSpecModules compiles every function of every valid module of
// the spec suite: decode, validate, translate, optimise, lower, allocate,
// check the allocation, emit. SIMD modules are compiled for the SSE
// baseline and again with AVX and AVX2; a function with a vector operation
// that has no lowering yet (ErrVectorOp) is counted, not failed.
func TestCompileSpecModules(t *testing.T) {
	dir := testsuite.Spec(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	al := backend.NewAllocator()
	var funcs, modules, failures, unsupported int
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
		feats := []Features{{}}
		if frontend.UsesSIMD(m) {
			feats = append(feats, Features{AVX: true, AVX2: true})
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
			for _, feat := range feats {
				start := time.Now()
				c, err := Compile(f, Options{Check: true, Allocator: al, SharedPollStub: true, Features: feat})
				total += time.Since(start)
				if errors.Is(err, ErrVectorOp) {
					unsupported++
					continue
				}
				if err != nil {
					failures++
					if failures <= 20 {
						t.Errorf("%s: function %d (%v): %v", filepath.Base(file), fn, feat, err)
					}
					continue
				}
				bytes += len(c.Code)
				funcs++
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d functions failed", failures)
	}
	if funcs > 0 {
		t.Logf("%d modules, %d functions compiled (with Check), %d code bytes, %v per function; %d with vector operations not lowered yet",
			modules, funcs, bytes, total/time.Duration(funcs), unsupported)
	}
}

func TestCPUSupported(t *testing.T) {
	if err := CPUSupported(); err != nil {
		t.Logf("host CPU: %v", err)
	}
}
