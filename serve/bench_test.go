package serve_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
	"github.com/moat-run/moat/wasi"
)

// BenchmarkHello is one request to the C guest's hello mode, without a
// network: sandbox set-up, instantiation, the guest's run and the CGI
// response, per engine.
func BenchmarkHello(b *testing.B) {
	for _, kind := range []moat.EngineKind{moat.EngineInterpreter, moat.EngineCompiler} {
		if _, err := moat.NewEngine(moat.Config{Engine: kind}); err != nil {
			continue
		}
		b.Run(kind.String(), func(b *testing.B) { benchHello(b, cModule(b, kind)) })
	}
	// Memories from a pool of the route's slots, with guard pages, and
	// with explicit checks as moat serve runs it.
	b.Run("compiler-pooled", func(b *testing.B) { benchHello(b, pooledCModule(b, 16)) })
	b.Run("compiler-pooled-explicit", func(b *testing.B) {
		benchHello(b, pooledCModuleChecked(b, 16, moat.BoundsChecksExplicit))
	})
	// As moat serve runs it: CPU lanes, and a cancelable context of its
	// own per request, canceled when the request ends, as net/http gives
	// each request (what the handler asks of the context costs only then).
	b.Run("compiler-pooled-explicit-served", func(b *testing.B) {
		runHello(b, pooledCModuleChecked(b, 16, moat.BoundsChecksExplicit), true)
	})
	// With a read-only preopen, which the guest's libc looks up at start.
	b.Run("compiler-pooled-preopen", func(b *testing.B) {
		benchHello(b, pooledCModule(b, 16), wasi.Preopen{Guest: "/data", Host: b.TempDir(), ReadOnly: true})
	})
}

func benchHello(b *testing.B, mod *moat.Module, preopens ...wasi.Preopen) {
	runHello(b, mod, false, preopens...)
}

// runHello serves b.N hello requests; served, as moat serve does: with
// CPU lanes, and each request with a context of its own, canceled once it
// is served.
func runHello(b *testing.B, mod *moat.Module, served bool, preopens ...wasi.Preopen) {
	cfg := serve.Config{Module: mod, Preopens: preopens, OnDone: func(*http.Request, *serve.Outcome) {}}
	if served {
		lanes, err := moat.NewCPULanes(1, 5*time.Millisecond)
		if err != nil {
			b.Fatal(err)
		}
		cfg.CPULanes = lanes
	}
	h, err := serve.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/hello?tok=1", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r, cancel := req, context.CancelFunc(nil)
		if served {
			var ctx context.Context
			ctx, cancel = context.WithCancel(req.Context())
			r = req.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
		if cancel != nil {
			cancel()
		}
		if w.Code != 200 {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkGoHello is one request to the Go guest's hello (net/http/cgi),
// on the compiler: the Go runtime's start and cgi.Serve's work.
func BenchmarkGoHello(b *testing.B) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		b.Skip(err)
	}
	benchHello(b, goModule(b, moat.EngineCompiler))
}

// BenchmarkOOM is one request whose guest allocates until its memory
// limit refuses to grow (the C guest's /oom), with memories from a pool
// of the route's slots: with guard pages (each memory.grow changes the
// protection of its pages, and the reset changes it back) and with
// explicit checks, as moat serve runs it (the slot's whole limit is
// accessible, so neither costs a system call).
func BenchmarkOOM(b *testing.B) {
	for _, checks := range []moat.BoundsChecks{moat.BoundsChecksGuardPages, moat.BoundsChecksExplicit} {
		b.Run(checks.String(), func(b *testing.B) { benchOOM(b, pooledCModuleChecked(b, 16, checks)) })
	}
}

func benchOOM(b *testing.B, mod *moat.Module) {
	h, err := serve.New(serve.Config{Module: mod, OnDone: func(*http.Request, *serve.Outcome) {}})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/oom", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusInternalServerError {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
