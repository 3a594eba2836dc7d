package compiler

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
)

// BenchmarkBackendBenchModules measures only the back end (amd64.Compile:
// lowering, allocation, emission) on the optimised SSA of a bench module's
// functions, translated once, on one goroutine: the figure of the back end's
// share of compile time, without the front end and SSA passes.
func BenchmarkBackendBenchModules(b *testing.B) {
	root, err := testsuite.RepoRoot()
	if err != nil {
		b.Skip(err)
	}
	for _, name := range []string{"regex", "bz2"} {
		wasm, err := os.ReadFile(filepath.Join(root, "..", "shared", "bench", name, "benchmark.wasm"))
		if err != nil {
			b.Skipf("bench modules not found: %v", err)
		}
		m, err := binary.Decode(wasm)
		if err != nil {
			b.Fatal(err)
		}
		if err := validate.Module(m); err != nil {
			b.Fatal(err)
		}
		env := &frontend.Env{}
		var funcs []*ssa.Func
		for i := range m.Funcs {
			f, err := frontend.Translate(m, m.NumImportedFuncs+uint32(i), env)
			if err != nil {
				b.Fatal(err)
			}
			ssa.Optimize(f)
			funcs = append(funcs, f)
		}
		b.Run(name, func(b *testing.B) {
			sc := amd64.NewScratch()
			for b.Loop() {
				for _, f := range funcs {
					if _, err := amd64.Compile(f, amd64.Options{SharedPollStub: true, Scratch: sc}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
