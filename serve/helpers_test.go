package serve_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// testTimeout bounds every request a test makes, so that a bug that
// blocks fails the test instead of hanging it.
const testTimeout = 60 * time.Second

// memoryPages is the memory limit of the engines the tests compile with:
// 16 MiB, room for the C guest and little more.
const memoryPages = 256

// goMemoryPages is the Go guest's limit: its runtime wants more.
const goMemoryPages = 4096

type compiled struct {
	once sync.Once
	mod  *moat.Module
	err  error
}

var modules sync.Map // "path|engine|pages" -> *compiled

// guest compiles a fixture once per test binary, engine and memory limit.
func guest(t testing.TB, path string, kind moat.EngineKind, pages uint32) *moat.Module {
	t.Helper()
	key := fmt.Sprint(path, "|", kind, "|", pages)
	v, _ := modules.LoadOrStore(key, &compiled{})
	c := v.(*compiled)
	c.once.Do(func() {
		bin, err := os.ReadFile(path)
		if err != nil {
			c.err = err
			return
		}
		e, err := moat.NewEngine(moat.Config{Engine: kind, MaxMemoryPages: pages})
		if err != nil {
			c.err = err
			return
		}
		c.mod, c.err = e.Compile(bin)
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.mod
}

// engines are the engines every C-guest test runs on.
func engines(t *testing.T) []moat.EngineKind {
	kinds := []moat.EngineKind{moat.EngineInterpreter}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		kinds = append(kinds, moat.EngineCompiler)
	}
	return kinds
}

// cModule is the C CGI guest on engine kind.
func cModule(t testing.TB, kind moat.EngineKind) *moat.Module {
	return guest(t, "testdata/cgi/cgi.wasm", kind, memoryPages)
}

// recorder collects the Outcomes a handler reports.
type recorder struct {
	mu   sync.Mutex
	outs []*serve.Outcome
	done chan *serve.Outcome
}

func newRecorder() *recorder { return &recorder{done: make(chan *serve.Outcome, 1000)} }

func (r *recorder) onDone(_ *http.Request, o *serve.Outcome) {
	r.mu.Lock()
	r.outs = append(r.outs, o)
	r.mu.Unlock()
	r.done <- o
}

// next waits for the next Outcome.
func (r *recorder) next(t testing.TB) *serve.Outcome {
	t.Helper()
	select {
	case o := <-r.done:
		return o
	case <-time.After(testTimeout):
		t.Fatal("no outcome reported")
		return nil
	}
}

// server starts an httptest server for a handler made from cfg, with
// its outcomes recorded.
func server(t testing.TB, cfg serve.Config) (*httptest.Server, *serve.Handler, *recorder) {
	t.Helper()
	rec := newRecorder()
	if cfg.OnDone == nil {
		cfg.OnDone = rec.onDone
	}
	h, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, rec
}

// get fetches url and returns the status, headers and whole body.
func get(t testing.TB, url string) (int, http.Header, string) {
	t.Helper()
	return do(t, mustRequest(t, http.MethodGet, url, nil))
}

func mustRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// client does not follow redirects: the tests look at them.
var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t testing.TB, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body of %s: %v", req.URL, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
