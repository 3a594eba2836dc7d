package moat_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/moat-run/moat"
)

// TestGrowRefusals: grows refused at the module's maximum or the engine's
// limit are counted, from the guest's memory.grow and from Memory.Grow,
// on both engines; grows that succeed are not.
func TestGrowRefusals(t *testing.T) {
	const wat = `(module
  (memory (export "memory") 1 %s)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		for _, tc := range []struct {
			name     string
			max      string
			pages    uint32
			grows    []uint32
			refusals uint32
		}{
			{"module maximum", "3", 0, []uint32{1, 1, 1, 5}, 2},
			{"engine limit", "", 2, []uint32{1, 1, 0}, 1},
			{"all fit", "", 0, []uint32{1, 2, 3}, 0},
		} {
			e, err := moat.NewEngine(moat.Config{Engine: kind, MaxMemoryPages: tc.pages})
			if err != nil {
				if kind == moat.EngineCompiler {
					t.Skipf("compiler: %v", err)
				}
				t.Fatal(err)
			}
			src := []byte(fmt.Sprintf(wat, tc.max))
			mod, err := e.CompileText(src)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := moat.NewStore(e).Instantiate(context.Background(), mod)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.grows[:len(tc.grows)-1] {
				if _, err := inst.Func("grow").Call(context.Background(), moat.EncodeI32(int32(n))); err != nil {
					t.Fatal(err)
				}
			}
			mem := inst.Memory("memory")
			mem.Grow(tc.grows[len(tc.grows)-1]) // the host's grows count too
			if got := mem.GrowRefusals(); got != tc.refusals {
				t.Errorf("%v, %s: %d refusals, want %d", kind, tc.name, got, tc.refusals)
			}
		}
	}
}
