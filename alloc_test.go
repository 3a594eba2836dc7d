package moat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// CallWithStack must not allocate, so that hot host-to-guest calls cost no garbage.
func TestCallWithStackDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, moat.Config{})
	inst, err := moat.NewStore(e).Instantiate(ctx, compile(t, e, addWat))
	if err != nil {
		t.Fatal(err)
	}
	add := inst.Func("add")
	stack := make([]uint64, 2)
	allocs := testing.AllocsPerRun(100, func() {
		stack[0], stack[1] = 1, 2
		if err := add.CallWithStack(ctx, stack); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("CallWithStack allocates %v times per call", allocs)
	}
}

func BenchmarkCallWithStack(b *testing.B) {
	ctx := context.Background()
	e, _ := moat.NewEngine(moat.Config{})
	mod, _ := e.CompileText([]byte(addWat))
	inst, _ := moat.NewStore(e).Instantiate(ctx, mod)
	add := inst.Func("add")
	stack := make([]uint64, 2)
	b.ReportAllocs()
	for b.Loop() {
		stack[0], stack[1] = 1, 2
		_ = add.CallWithStack(ctx, stack)
	}
}

func BenchmarkHostCall(b *testing.B) {
	ctx := context.Background()
	e, _ := moat.NewEngine(moat.Config{})
	l := moat.NewLinker(e)
	l.DefineHostFunc("env", "double", moat.FuncType{Params: []moat.ValueType{moat.ValueI32}, Results: []moat.ValueType{moat.ValueI32}},
		func(ctx context.Context, c *moat.Caller, stack []uint64) error { stack[0] *= 2; return nil })
	l.DefineFunc("env", "log", func(uint32, uint32) {})
	mod, _ := e.CompileText([]byte(hostWat))
	inst, _ := l.Instantiate(ctx, moat.NewStore(e), mod)
	q := inst.Func("quadruple")
	stack := make([]uint64, 1)
	b.ReportAllocs()
	for b.Loop() {
		stack[0] = 3
		_ = q.CallWithStack(ctx, stack)
	}
}

// BenchmarkInstantiate makes an instance with a memory in a new store, on
// the default engine and on the compiler in each bounds-check mode (a
// guard-page memory reserves 4 GiB and registers with the signal handler).
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	configs := map[string]moat.Config{"default": {}}
	for _, mode := range boundsModes {
		configs[strings.ReplaceAll(mode.String(), " ", "_")] = moat.Config{Engine: moat.EngineCompiler, BoundsChecks: mode}
	}
	for _, name := range []string{"default", "guard_pages", "explicit"} {
		e, err := moat.NewEngine(configs[name])
		if err != nil {
			continue
		}
		mod, _ := e.CompileText([]byte(stateWat))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
