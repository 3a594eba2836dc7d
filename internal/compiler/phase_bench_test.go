package compiler

import (
	"os"
	"testing"

	"github.com/moat-run/moat/internal/backend/amd64"
	"github.com/moat-run/moat/internal/binary"
	"github.com/moat-run/moat/internal/frontend"
	"github.com/moat-run/moat/internal/ssa"
	"github.com/moat-run/moat/internal/testsuite"
	"github.com/moat-run/moat/internal/validate"
	"github.com/moat-run/moat/internal/vm"
	"github.com/moat-run/moat/internal/wasm"
)

// BenchmarkBackendPhases reports the back end's cost per vcode instruction
// in each phase (lower-ns/inst, alloc-ns/inst, emit-ns/inst, from the
// compiling thread's CPU clock: amd64.Timing), for the largest bench
// module and the Go wasip1 test binary at $MOAT_BENCH_GOWASM if set,
// compiled as a default engine compiles them (guard pages, epoch polls,
// the frontend's pass pipeline), on one goroutine with one Scratch. The
// functions are translated and optimised once, outside the measurement:
//
//	MOAT_BENCH_GOWASM=regexp.test.wasm go test -run '^$' -bench BackendPhases -benchtime 3x ./internal/compiler
func BenchmarkBackendPhases(b *testing.B) {
	modules := []struct {
		name string
		wasm []byte
	}{{"regex", testsuite.BenchModule(b, "regex")}}
	if path := os.Getenv("MOAT_BENCH_GOWASM"); path != "" {
		wasm, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		modules = append(modules, struct {
			name string
			wasm []byte
		}{"gotest", wasm})
	}
	for _, mod := range modules {
		b.Run(mod.name, func(b *testing.B) {
			funcs, guard := translateAll(b, mod.wasm)
			sc := amd64.NewScratch()
			for _, f := range funcs { // the Scratch grows to the module's functions
				if _, err := amd64.Compile(f, amd64.Options{SharedPollStub: true, Scratch: sc, FaultingUnreachable: guard}); err != nil {
					b.Fatal(err)
				}
			}
			var t amd64.Timing
			for b.Loop() {
				for _, f := range funcs {
					opt := amd64.Options{SharedPollStub: true, Scratch: sc, Timing: &t, FaultingUnreachable: guard}
					if _, err := amd64.Compile(f, opt); err != nil {
						b.Fatal(err)
					}
				}
			}
			if t.Insts == 0 {
				return
			}
			per := func(d int64) float64 { return float64(d) / float64(t.Insts) }
			b.ReportMetric(per(t.Lower.Nanoseconds()), "lower-ns/inst")
			b.ReportMetric(per(t.Allocate.Nanoseconds()), "alloc-ns/inst")
			b.ReportMetric(per(t.Emit.Nanoseconds()), "emit-ns/inst")
			b.ReportMetric(float64(t.Insts)/float64(b.N), "insts/op")
			b.ReportMetric(float64(t.Skipped)/float64(t.Funcs+t.Skipped), "skipped/func")
		})
	}
}

// translateAll translates and optimises every function of a module as the
// default engine does, and says whether that engine uses guard pages.
func translateAll(b testing.TB, wasm []byte) ([]*ssa.Func, bool) {
	m, env, guard := decodeForDefaultEngine(b, wasm)
	funcs := make([]*ssa.Func, 0, len(m.Code))
	for i := range m.Code {
		f, err := frontend.Translate(m, m.NumImportedFuncs+uint32(i), env)
		if err != nil {
			b.Fatal(err)
		}
		frontend.Optimize(f, env)
		funcs = append(funcs, f)
	}
	return funcs, guard
}

// decodeForDefaultEngine decodes and validates a module, and gives the
// translation environment of the default engine and whether that engine
// uses guard pages.
func decodeForDefaultEngine(b testing.TB, wasm []byte) (*wasm.Module, *frontend.Env, bool) {
	m, err := binary.Decode(wasm)
	if err == nil {
		err = validate.Module(m)
	}
	if err != nil {
		b.Fatal(err)
	}
	layout, guard, err := MemoryConfig{}.layout()
	if err != nil {
		b.Fatal(err)
	}
	env := &frontend.Env{Unchecked: layout.Unchecked(), EpochPolls: vm.EpochSupported}
	return m, env, guard
}
