package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// goEngines are the engines the Go guest runs on: compiling its 6 MB
// takes the compiler a while, so -short keeps to the interpreter.
func goEngines(t *testing.T) []moat.EngineKind {
	if testing.Short() {
		return []moat.EngineKind{moat.EngineInterpreter}
	}
	return engines(t)
}

func goModule(t testing.TB, kind moat.EngineKind) *moat.Module {
	return guest(t, "testdata/gocgi/gocgi.wasm", kind, goMemoryPages)
}

// TestGoGuest: an unchanged net/http/cgi program answers requests, sees
// them as the client sent them, streams both ways and is reported out of
// memory when it is.
func TestGoGuest(t *testing.T) {
	for _, kind := range goEngines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			mod := goModule(t, kind)
			srv, _, rec := server(t, serve.Config{Module: mod})

			if status, _, body := get(t, srv.URL+"/hello?who"); status != 200 || body != "hello from Go: who\n" {
				t.Errorf("hello: %d %q", status, body)
			}
			rec.next(t)

			req := mustRequest(t, http.MethodPost, srv.URL+"/request?a=1&b=%20", strings.NewReader("hello"))
			req.Host = "example.test"
			req.Header.Set("X-Test", "v")
			req.Header.Set("Content-Type", "text/plain")
			status, hdr, body := do(t, req)
			rec.next(t)
			if status != 200 || hdr.Get("Content-Type") != "text/plain" {
				t.Errorf("request: %d %q", status, hdr)
			}
			for _, want := range []string{
				"method=POST\n", "url=http://example.test/request?a=1&b=%20\n", "path=/request\n", "query=a=1&b=%20\n",
				"host=example.test\n", "proto=HTTP/1.1\n", "remote=127.0.0.1:", "content-length=5\n",
				"body=\"hello\"\n", "header X-Test=[\"v\"]\n", "header Content-Type=[\"text/plain\"]\n",
				"args=[\"/request\" \"a=1\" \"b=%20\"]\n",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("request: %q missing from\n%s", want, body)
				}
			}

			if status, _, body := get(t, srv.URL+"/status"); status != http.StatusTeapot || body != "teapot here\n" {
				t.Errorf("status: %d %q", status, body)
			}
			rec.next(t)

			if status, _, _ := get(t, srv.URL+"/oom"); status != http.StatusInternalServerError {
				t.Errorf("oom: %d", status)
			}
			if o := rec.next(t); o.Result != serve.ResultMemory {
				t.Errorf("oom: outcome %v (%v)", o.Result, o.Err)
			}

			streamCheck(t, mod, "/stream", 0)
			echoCheck(t, mod, "/echo")
		})
	}
}
