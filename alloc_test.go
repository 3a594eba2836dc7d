package moat_test

import (
	"context"
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

func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	e, _ := moat.NewEngine(moat.Config{})
	mod, _ := e.CompileText([]byte(stateWat))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := moat.NewStore(e).Instantiate(ctx, mod); err != nil {
			b.Fatal(err)
		}
	}
}
