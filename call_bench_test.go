package moat_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/moat-run/moat"
)

// benchEngines are the engines the call benchmarks run on; an engine this
// platform lacks is skipped.
var benchEngines = []struct {
	name string
	kind moat.EngineKind
}{
	{"interp", moat.EngineInterpreter},
	{"compiler", moat.EngineCompiler},
}

// BenchmarkCall is one call from Go into wasm through CallWithStack: the
// fixed cost of entering a store.
func BenchmarkCall(b *testing.B) {
	for _, be := range benchEngines {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			e, err := moat.NewEngine(moat.Config{Engine: be.kind})
			if err != nil {
				b.Skip(err)
			}
			mod, _ := e.CompileText([]byte(addWat))
			inst, _ := moat.NewStore(e).Instantiate(ctx, mod)
			add := inst.Func("add")
			stack := make([]uint64, 2)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				stack[0], stack[1] = 1, 2
				if err := add.CallWithStack(ctx, stack); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// hostCallForms are the ways the benchmarks define env.double, the host
// function quadruple calls twice.
var hostCallForms = []struct {
	name   string
	define func(l *moat.Linker) error
}{
	{"raw", func(l *moat.Linker) error {
		return l.DefineHostFunc("env", "double", moat.FuncType{Params: []moat.ValueType{moat.ValueI32}, Results: []moat.ValueType{moat.ValueI32}},
			func(ctx context.Context, c *moat.Caller, stack []uint64) error { stack[0] *= 2; return nil })
	}},
	{"typed", func(l *moat.Linker) error {
		return l.DefineFunc("env", "double", func(x int32) int32 { return 2 * x })
	}},
	{"typed-ctx-caller-error", func(l *moat.Linker) error {
		return l.DefineFunc("env", "double", func(ctx context.Context, c *moat.Caller, x int32) (int32, error) { return 2 * x, nil })
	}},
}

// BenchmarkHostCall is a call into wasm that calls a Go host function
// twice, for each form of defining it.
func BenchmarkHostCall(b *testing.B) {
	for _, be := range benchEngines {
		for _, form := range hostCallForms {
			b.Run(be.name+"/"+form.name, func(b *testing.B) {
				ctx := context.Background()
				e, err := moat.NewEngine(moat.Config{Engine: be.kind})
				if err != nil {
					b.Skip(err)
				}
				l := moat.NewLinker(e)
				if err := form.define(l); err != nil {
					b.Fatal(err)
				}
				l.DefineFunc("env", "log", func(uint32, uint32) {})
				mod, _ := e.CompileText([]byte(hostWat))
				inst, err := l.Instantiate(ctx, moat.NewStore(e), mod)
				if err != nil {
					b.Fatal(err)
				}
				q := inst.Func("quadruple")
				stack := make([]uint64, 1)
				b.ReportAllocs()
				cpu := startCPU()
				for b.Loop() {
					stack[0] = 3
					if err := q.CallWithStack(ctx, stack); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				if stack[0] != 12 {
					b.Fatalf("quadruple(3) = %d", stack[0])
				}
			})
		}
	}
}

// cpuMeter measures a benchmark loop's CPU time, on a thread locked to the
// benchmark's goroutine (see moat.ThreadCPU).
type cpuMeter struct{ start int64 }

func startCPU() cpuMeter {
	runtime.LockOSThread()
	return cpuMeter{moat.ThreadCPU()}
}

// report adds cpu-ns/op: CPU nanoseconds per iteration, which other load on
// the machine disturbs far less than ns/op.
func (m cpuMeter) report(b *testing.B) {
	end := moat.ThreadCPU()
	runtime.UnlockOSThread()
	if m.start != 0 && b.N > 0 {
		b.ReportMetric(float64(end-m.start)/float64(b.N), "cpu-ns/op")
	}
}
