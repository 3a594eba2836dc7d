package moat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/moat-run/moat"
)

// Each store limit refuses, with an error wrapping ErrResourceLimit and
// naming it, the instantiation that would pass it, on every engine.
func TestStoreLimitsInstantiate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		limits moat.StoreLimits
		wat    string
		first  int // instantiations that succeed
		want   string
	}{
		{"instances", moat.StoreLimits{Instances: 2}, `(module)`, 2, "instances"},
		{"memories", moat.StoreLimits{Memories: 3}, `(module (memory 1))`, 3, "memories"},
		{"tables", moat.StoreLimits{Tables: 1}, `(module (table 1 funcref))`, 1, "tables"},
		{"memory size", moat.StoreLimits{MemorySize: 2 << 16}, `(module (memory 3))`, 0, "memory of 3 pages"},
		{"table elements", moat.StoreLimits{TableElements: 10}, `(module (table 11 funcref))`, 0, "table of 11 elements"},
	}
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		for _, tc := range tests {
			mod := compile(t, e, tc.wat)
			s := moat.NewStore(e)
			if err := s.SetLimits(tc.limits); err != nil {
				t.Fatal(err)
			}
			var insts []*moat.Instance
			for i := range tc.first {
				inst, err := s.Instantiate(ctx, mod)
				if err != nil {
					t.Fatalf("%s: instantiation %d: %v", tc.name, i, err)
				}
				insts = append(insts, inst)
			}
			_, err := s.Instantiate(ctx, mod)
			if !errors.Is(err, moat.ErrResourceLimit) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: got %v, want ErrResourceLimit about %q", tc.name, err, tc.want)
			}
			if len(insts) > 0 {
				// Closing an instance makes room again.
				if err := insts[0].Close(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Instantiate(ctx, mod); err != nil {
					t.Errorf("%s: after closing one: %v", tc.name, err)
				}
			}
			s.Close()
		}
	})
}

// Growing a memory or a table past the store's limit fails as the spec
// allows: the grow instructions return -1.
func TestStoreLimitsGrow(t *testing.T) {
	ctx := context.Background()
	const wat = `(module (memory 1) (table 2 funcref)
	  (func (export "mem") (param i32) (result i32) (memory.grow (local.get 0)))
	  (func (export "tab") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`
	forEachEngine(t, moat.Config{}, func(t *testing.T, e *moat.Engine) {
		s := moat.NewStore(e)
		if err := s.SetLimits(moat.StoreLimits{MemorySize: 3 << 16, TableElements: 5}); err != nil {
			t.Fatal(err)
		}
		inst, err := s.Instantiate(ctx, compile(t, e, wat))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			fn          string
			delta, want uint64
		}{{"mem", 3, 0xffffffff}, {"mem", 2, 1}, {"mem", 1, 0xffffffff}, {"tab", 4, 0xffffffff}, {"tab", 3, 2}, {"tab", 1, 0xffffffff}} {
			got, err := inst.Func(c.fn).Call(ctx, c.delta)
			if err != nil || uint32(got[0]) != uint32(c.want) {
				t.Errorf("%s grow by %d: %v, %v; want %d", c.fn, c.delta, got, err, int32(c.want))
			}
		}
		// Host-made memories and tables count and are capped too.
		if err := s.SetLimits(moat.StoreLimits{Memories: 1, MemorySize: 1 << 16}); err != nil {
			t.Fatal(err)
		}
		if _, err := moat.NewMemory(s, moat.MemoryType{Limits: moat.Limits{Min: 1}}); !errors.Is(err, moat.ErrResourceLimit) {
			t.Errorf("a second memory: %v, want ErrResourceLimit", err)
		}
		s.Close()
		if err := s.SetLimits(moat.StoreLimits{}); !errors.Is(err, moat.ErrClosed) {
			t.Errorf("SetLimits on a closed store: %v", err)
		}
	})
}

// StoreLimits.WasmStack lowers the stack limit for the store's calls: a
// recursion reaches exactly the depth it reaches on an engine whose
// MaxWasmStack is that limit, another store of the same engine keeps the
// engine's, a limit above the engine's leaves the engine's, and host
// re-entry is charged to the store's limit too.
func TestStoreLimitsWasmStack(t *testing.T) {
	const engineLimit, storeLimit = 1 << 20, 64 << 10
	for _, k := range stackEngines(t) {
		depthWith := func(cfg moat.Config, limits *moat.StoreLimits, name string) int {
			t.Helper()
			e := newEngine(t, cfg)
			l := moat.NewLinker(e)
			err := l.DefineHostFunc("env", "again", moat.FuncType{}, func(ctx context.Context, c *moat.Caller, _ []uint64) error {
				_, err := c.ExportedFunc("r_host").Call(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			s := moat.NewStore(e)
			if limits != nil {
				if err := s.SetLimits(*limits); err != nil {
					t.Fatal(err)
				}
			}
			inst, err := l.Instantiate(context.Background(), s, compile(t, e, recursionWat))
			if err != nil {
				t.Fatal(err)
			}
			var args []uint64
			if name == "r" {
				args = []uint64{0}
			}
			return exhaust(t, inst, fmt.Sprintf("%v, %s, limits %+v", k, name, limits), name, args...)
		}
		big := moat.Config{Engine: k, MaxCallDepth: 1 << 30, MaxWasmStack: engineLimit}
		small := moat.Config{Engine: k, MaxCallDepth: 1 << 30, MaxWasmStack: storeLimit}
		want := depthWith(small, nil, "r")
		if got := depthWith(big, &moat.StoreLimits{WasmStack: storeLimit}, "r"); got != want {
			t.Errorf("%v: depth %d under a %d-byte store limit, %d under an engine limit of as many bytes", k, got, storeLimit, want)
		}
		full := depthWith(big, nil, "r")
		if got := depthWith(big, &moat.StoreLimits{WasmStack: 2 * engineLimit}, "r"); got != full {
			t.Errorf("%v: a store limit above the engine's gives depth %d, the engine's %d", k, got, full)
		}
		if full <= 2*want {
			t.Errorf("%v: depth %d under the engine's %d bytes, %d under %d", k, full, engineLimit, want, storeLimit)
		}
		viaHost := depthWith(big, &moat.StoreLimits{WasmStack: storeLimit}, "r_host")
		if engineViaHost := depthWith(big, nil, "r_host"); viaHost >= engineViaHost {
			t.Errorf("%v: %d levels through the host under the store limit, %d under the engine's", k, viaHost, engineViaHost)
		}
	}
	s := moat.NewStore(newEngine(t, moat.Config{}))
	if err := s.SetLimits(moat.StoreLimits{WasmStack: -1}); err == nil {
		t.Error("SetLimits accepts a negative WasmStack")
	}
}
