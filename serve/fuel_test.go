package serve_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// fuelModule is the C guest on an engine that consumes fuel.
func fuelModule(t *testing.T, kind moat.EngineKind) *moat.Module {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: kind, MaxMemoryPages: memoryPages, ConsumeFuel: true})
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile("testdata/cgi/cgi.wasm")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := e.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// TestFuel: with a fuel limit an endless loop ends out of fuel (502)
// long before its deadline, a request within its fuel is served and
// reports what it used, and every request gets the whole limit afresh.
// Without a limit, an engine that consumes fuel still serves.
func TestFuel(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			const limit = 2_000_000
			srv, _, rec := server(t, serve.Config{
				Module: fuelModule(t, kind),
				Limits: serve.Limits{Timeout: time.Minute, Fuel: limit},
			})
			for range 2 {
				start := time.Now()
				status, _, body := get(t, srv.URL+"/loop")
				o := rec.next(t)
				if status != 502 || o.Result != serve.ResultTrap || trapName(o) != "out of fuel" || !strings.Contains(body, "out of fuel") {
					t.Errorf("/loop: %d %q, outcome %v trap %q", status, body, o.Result, trapName(o))
				}
				if o.Fuel != limit {
					t.Errorf("/loop used %d fuel, want all %d", o.Fuel, limit)
				}
				if d := time.Since(start); d > 30*time.Second {
					t.Errorf("/loop took %v: fuel did not stop it", d)
				}
				status, _, body = get(t, srv.URL+"/hello?f")
				o = rec.next(t)
				if status != 200 || body != "hello from C: f\n" || o.Fuel == 0 || o.Fuel >= limit {
					t.Errorf("/hello: %d %q, fuel %d", status, body, o.Fuel)
				}
			}

			srv, _, rec = server(t, serve.Config{Module: fuelModule(t, kind)})
			if status, _, _ := get(t, srv.URL+"/hello"); status != 200 || rec.next(t).Fuel == 0 {
				t.Errorf("no fuel limit on a fuel engine: %d", status)
			}
		})
	}
}

// TestFuelNeedsEngine: a fuel limit on an engine that does not consume
// fuel is refused by New rather than ignored.
func TestFuelNeedsEngine(t *testing.T) {
	_, err := serve.New(serve.Config{Module: cModule(t, engines(t)[0]), Limits: serve.Limits{Fuel: 1000}})
	if err == nil || !strings.Contains(err.Error(), "ConsumeFuel") {
		t.Errorf("New: %v", err)
	}
}
