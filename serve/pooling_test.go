package serve_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// pooledCModule is the C guest on a compiler engine whose memories come
// from a pool of slots; it skips where the compiler or pools are missing.
func pooledCModule(t testing.TB, slots int) *moat.Module {
	t.Helper()
	return pooledCModuleChecked(t, slots, moat.BoundsChecksAuto)
}

// pooledCModuleChecked is pooledCModule with the given bounds checks
// (moat serve's pooled routes check explicitly).
func pooledCModuleChecked(t testing.TB, slots int, checks moat.BoundsChecks) *moat.Module {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, MaxMemoryPages: memoryPages, BoundsChecks: checks,
		Pooling: &moat.PoolingConfig{TotalMemories: slots, MaxMemorySize: memoryPages << 16}})
	if err != nil {
		t.Skipf("no pooled compiler engine here: %v", err)
	}
	if _, ok := e.PoolStats(); !ok {
		t.Skip("the compiler has no pool of memory slots here")
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

// holdSleep makes the guest's sleep (the /stream mode) last until release
// is closed or the request ends, so that a test can hold a sandbox.
func holdSleep(release chan struct{}) func(context.Context, time.Duration) {
	return func(ctx context.Context, _ time.Duration) {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
}

// TestPooledSandboxes: requests served from a pool of two slots, one
// after the other and two at once, each get a fresh sandbox, and every
// slot is free again once they are answered.
func TestPooledSandboxes(t *testing.T) {
	for _, checks := range []moat.BoundsChecks{moat.BoundsChecksGuardPages, moat.BoundsChecksExplicit} {
		t.Run(checks.String(), func(t *testing.T) { testPooledSandboxes(t, pooledCModuleChecked(t, 2, checks)) })
	}
}

func testPooledSandboxes(t *testing.T, mod *moat.Module) {
	srv, h, _ := server(t, serve.Config{Module: mod, Limits: serve.Limits{MaxConcurrent: 2},
		OnDone: func(*http.Request, *serve.Outcome) {}})
	for i := range 20 {
		path := []string{"/hello?a", "/trap", "/oom", "/hello?b"}[i%4]
		status, _, body := get(t, srv.URL+path)
		switch path {
		case "/hello?a", "/hello?b":
			if want := "hello from C: " + path[len("/hello?"):] + "\n"; status != http.StatusOK || body != want {
				t.Fatalf("%s after %d requests: %d %q, want 200 %q", path, i, status, body, want)
			}
		case "/trap":
			if status != http.StatusBadGateway {
				t.Fatalf("%s: %d, want 502", path, status)
			}
		case "/oom":
			if status != http.StatusInternalServerError {
				t.Fatalf("%s: %d, want 500", path, status)
			}
		}
	}
	if st, _ := mod.Engine().PoolStats(); st.InUse != 0 || h.Stats().Live != 0 {
		t.Errorf("after the requests: pool %+v, handler %+v; want no slot in use", st, h.Stats())
	}
}

// TestPoolExhaustedAnswers503: when every slot of the engine's pool is
// taken (here by another handler on the same engine, which has no gate
// of the pool's size), a request is answered 503 with Retry-After, as a
// full gate is, not 500.
func TestPoolExhaustedAnswers503(t *testing.T) {
	mod := pooledCModule(t, 1)
	release := make(chan struct{})
	holder, hh, _ := server(t, serve.Config{Module: mod, Sleep: holdSleep(release)})
	held := make(chan int, 1)
	go func() {
		status, _, _ := get(t, holder.URL+"/stream")
		held <- status
	}()
	waitFor(t, "the first request to hold the pool's only slot", func() bool { return hh.Stats().Live == 1 })
	other, _, rec := server(t, serve.Config{Module: mod})
	status, hdr, _ := get(t, other.URL+"/hello")
	if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("with the pool full: %d (Retry-After %q), want 503 with Retry-After", status, hdr.Get("Retry-After"))
	}
	if o := rec.next(t); o.Result != serve.ResultOverloaded {
		t.Errorf("outcome %v (%v), want overloaded", o.Result, o.Err)
	}
	close(release)
	if status := <-held; status != http.StatusOK {
		t.Errorf("the request holding the slot: %d", status)
	}
}

// TestSharedGate: handlers sharing a Gate share its slots: a request to
// one waits for (or is refused by) a sandbox running on the other, and
// both report the gate's counts.
func TestSharedGate(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	g := serve.NewGate(1)
	release := make(chan struct{})
	a, ha, _ := server(t, serve.Config{Module: mod, Gate: g, Sleep: holdSleep(release)})
	b, hb, rec := server(t, serve.Config{Module: mod, Gate: g, Limits: serve.Limits{MaxConcurrent: 1, QueueTimeout: -1}})
	first := make(chan int, 1)
	go func() {
		status, _, _ := get(t, a.URL+"/stream")
		first <- status
	}()
	waitFor(t, "the first request to hold the gate's only slot", func() bool { return ha.Stats().Live == 1 })
	if st := hb.Stats(); st != (serve.Stats{Live: 1, Capacity: 1}) {
		t.Errorf("the other handler's stats: %+v, want the gate's", st)
	}
	if status, _, _ := get(t, b.URL+"/hello"); status != http.StatusServiceUnavailable {
		t.Errorf("the other handler with the gate full: %d, want 503", status)
	}
	if o := rec.next(t); o.Result != serve.ResultOverloaded {
		t.Errorf("outcome %v, want overloaded", o.Result)
	}
	close(release)
	if status := <-first; status != http.StatusOK {
		t.Errorf("first request: %d", status)
	}
	if status, _, body := get(t, b.URL+"/hello?x"); status != http.StatusOK || body != "hello from C: x\n" {
		t.Errorf("after the slot came back: %d %q", status, body)
	}
	if _, err := serve.New(serve.Config{Module: mod, Gate: g, Limits: serve.Limits{MaxConcurrent: 2}}); err == nil {
		t.Error("New accepted MaxConcurrent 2 with a gate of 1")
	}
}

// TestCPULanes: sandboxes that run long take turns in the handler's CPU
// lanes (here one, from the start): of two endless loops one runs and
// the other waits for the lane, a short request is answered meanwhile,
// and both loops end at their deadline with 504.
func TestCPULanes(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			lanes, err := moat.NewCPULanes(1, 0)
			if err != nil {
				t.Fatal(err)
			}
			srv, _, _ := server(t, serve.Config{Module: cModule(t, kind), CPULanes: lanes,
				Limits: serve.Limits{Timeout: 2 * time.Second}, OnDone: func(*http.Request, *serve.Outcome) {}})
			loops := make(chan int, 2)
			for range 2 {
				go func() {
					status, _, _ := get(t, srv.URL+"/loop")
					loops <- status
				}()
			}
			waitFor(t, "one loop in the lane and one waiting", func() bool {
				return lanes.Stats() == moat.CPULaneStats{Lanes: 1, Running: 1, Waiting: 1}
			})
			if status, _, body := get(t, srv.URL+"/hello?short"); status != http.StatusOK || body != "hello from C: short\n" {
				t.Errorf("a short request beside the loops: %d %q", status, body)
			}
			for range 2 {
				if status := <-loops; status != http.StatusGatewayTimeout {
					t.Errorf("a loop: %d, want 504", status)
				}
			}
			if st := lanes.Stats(); st.Running != 0 || st.Waiting != 0 {
				t.Errorf("after the requests: %+v", st)
			}
		})
	}
}

// TestSpinningRoute: a route whose requests keep running long (past its
// CPU lanes' threshold) is marked spinning, so that its next requests
// need a lane from their first time slice on; requests that end at once
// clear the mark again.
func TestSpinningRoute(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			lanes, err := moat.NewCPULanes(1, 5*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			// The deadline is the loops' end and each hello's limit: long
			// enough that a hello on a busy machine never meets it.
			srv, h, _ := server(t, serve.Config{Module: cModule(t, kind), CPULanes: lanes,
				Limits: serve.Limits{Timeout: 2 * time.Second}, OnDone: func(*http.Request, *serve.Outcome) {}})
			if h.Spinning() {
				t.Fatal("spinning before any request")
			}
			for i := range 2 {
				if status, _, _ := get(t, srv.URL+"/loop"); status != http.StatusGatewayTimeout {
					t.Fatalf("loop %d: %d, want 504", i, status)
				}
			}
			if !h.Spinning() {
				t.Fatal("not spinning after two requests that looped until their deadline")
			}
			for range 63 {
				if status, _, _ := get(t, srv.URL+"/hello?x"); status != http.StatusOK {
					t.Fatalf("hello: %d", status)
				}
			}
			if h.Spinning() {
				t.Fatal("still spinning after 63 short requests")
			}
		})
	}
}

// A request that runs until its deadline counts as long for Spinning
// whether or not it got past the lanes' threshold: with a deadline short
// of the threshold (or a busy machine that gives a loop less CPU time than
// the threshold before its deadline), endless loops would otherwise never
// mark their route, and each would run unchecked until its deadline.
func TestSpinningRouteByDeadline(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			lanes, err := moat.NewCPULanes(1, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			srv, h, _ := server(t, serve.Config{Module: cModule(t, kind), CPULanes: lanes,
				Limits: serve.Limits{Timeout: 2 * time.Second}, OnDone: func(*http.Request, *serve.Outcome) {}})
			for i := range 2 {
				if status, _, _ := get(t, srv.URL+"/loop"); status != http.StatusGatewayTimeout {
					t.Fatalf("loop %d: %d, want 504", i, status)
				}
			}
			if !h.Spinning() {
				t.Fatal("not spinning after two requests that looped until their deadline, short of the lanes' threshold")
			}
			if status, _, body := get(t, srv.URL+"/hello?x"); status != http.StatusOK || !strings.Contains(body, "x") {
				t.Fatalf("hello on the spinning route: %d %q", status, body)
			}
		})
	}
}
