package moat

import (
	"context"
	"sync"
	"testing"
)

// staleTypeWat exports a memory, a table, globals and a tag whose types
// differ from their zero values in every field Type reports.
const staleTypeWat = `(module
  (memory (export "mem") 1 3)
  (table (export "tab") 2 5 funcref)
  (global (export "n") (mut i32) (i32.const 7))
  (global (export "k") i64 (i64.const 9))
  (tag (export "t") (param i32 f64)))`

// TestStaleHandleTypeRacesRecycling is the attacker's side of Type on the
// handles of a closed store while its state is recycled and serves the
// next stores on another goroutine: each handle reports the type it was
// made with, and reading it touches nothing that recycling writes (under
// -race, a Type that read the recycled state's memory, table or global
// would be reported as a data race with the next instantiation, which
// rewrites them). Bounded by a fixed number of rounds, not by time.
func TestStaleHandleTypeRacesRecycling(t *testing.T) {
	ctx := context.Background()
	forStaleEngines(t, func(t *testing.T, e *Engine, _ *Module) {
		mod, err := e.CompileText([]byte(staleTypeWat))
		if err != nil {
			t.Fatal(err)
		}
		wantMem := MemoryType{Limits: Limits{Min: 1, Max: 3, HasMax: true}}
		wantTab := TableType{Elem: ValueFuncRef, Limits: Limits{Min: 2, Max: 5, HasMax: true}}
		wantN := GlobalType{Value: ValueI32, Mutable: true}
		wantK := GlobalType{Value: ValueI64}
		const rounds, sweeps = 100, 50
		for round := range rounds {
			a := NewStore(e)
			inst, err := a.Instantiate(ctx, mod)
			if err != nil {
				t.Fatal(err)
			}
			mem, tab := inst.Memory("mem"), inst.Table("tab")
			n, k, tag := inst.Global("n"), inst.Global("k"), inst.Tag("t")
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range sweeps {
					if got := mem.Type(); got != wantMem {
						t.Errorf("round %d: stale Memory.Type = %+v, want %+v", round, got, wantMem)
					}
					if got := tab.Type(); got != wantTab {
						t.Errorf("round %d: stale Table.Type = %+v, want %+v", round, got, wantTab)
					}
					if got := n.Type(); got != wantN {
						t.Errorf("round %d: stale Global.Type = %+v, want %+v", round, got, wantN)
					}
					if got := k.Type(); got != wantK {
						t.Errorf("round %d: stale Global.Type = %+v, want %+v", round, got, wantK)
					}
					if got := tag.Type().Type.String(); got != "(func (param i32 f64))" {
						t.Errorf("round %d: stale Tag.Type = %s", round, got)
					}
					for _, ext := range []Extern{mem, tab, n, k, tag} {
						if ext.ExternType() == nil {
							t.Errorf("round %d: stale %T.ExternType = nil", round, ext)
						}
					}
				}
			}()
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			// The next stores, in a's state when the engine hands it
			// back, instantiate the module in the recycled instance
			// state while the handles' Types run.
			for range 3 {
				b := NewStore(e)
				if _, err := b.Instantiate(ctx, mod); err != nil {
					t.Fatal(err)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
			}
			wg.Wait()
		}
	})
}
