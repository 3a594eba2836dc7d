package serve_test

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
	"github.com/moat-run/moat/wasi"
)

// TestReadOnlyPreopen: a route's read-only directory can be read and not
// changed, by any request.
func TestReadOnlyPreopen(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "greeting.txt"), []byte("hello from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kind := range engines(t) {
		srv, _, _ := server(t, serve.Config{
			Module:   cModule(t, kind),
			Preopens: []wasi.Preopen{{Guest: "/data", Host: dir, ReadOnly: true}},
		})
		_, _, body := get(t, srv.URL+"/file")
		if want := "hello from the host\ncreate: Operation not permitted\n"; body != want {
			t.Errorf("%v: %q, want %q", kind, body, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "new.txt")); err == nil {
			t.Errorf("%v: the guest created a file", kind)
		}
	}
}

// TestPreopensOpenedOnce: a route's preopens are opened by New (a missing
// directory is its error) and shared by its requests: each request's
// sandbox closing leaves them open for the next.
func TestPreopensOpenedOnce(t *testing.T) {
	kind := engines(t)[0]
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := serve.New(serve.Config{Module: cModule(t, kind), Preopens: []wasi.Preopen{{Guest: "/data", Host: missing}}}); err == nil {
		t.Error("New with a missing preopen directory succeeded")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "greeting.txt"), []byte("hello from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _, _ := server(t, serve.Config{
		Module:   cModule(t, kind),
		Preopens: []wasi.Preopen{{Guest: "/data", Host: dir, ReadOnly: true}},
	})
	for i := range 3 {
		if _, _, body := get(t, srv.URL+"/file"); !strings.HasPrefix(body, "hello from the host\n") {
			t.Errorf("request %d: %q", i, body)
		}
	}
}

// syncBuffer is a bytes.Buffer for a logger used by several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStderrLogged: each line the guest writes to stderr is a log record
// naming the request; the client never sees it.
func TestStderrLogged(t *testing.T) {
	var logs syncBuffer
	srv, _, _ := server(t, serve.Config{
		Module: cModule(t, engines(t)[0]),
		Log:    slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if _, _, body := get(t, srv.URL+"/stderr"); body != "see the log\n" {
		t.Errorf("body %q", body)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d records:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{"first complaint", "second complaint"} {
		if !strings.Contains(lines[i], `"msg":"guest stderr"`) || !strings.Contains(lines[i], `"path":"/stderr"`) ||
			!strings.Contains(lines[i], `"line":"`+want+`"`) {
			t.Errorf("record %d: %s", i, lines[i])
		}
	}
}

// TestNewRefuses: configurations that cannot work are refused by New,
// a module that cannot link included (its imports are resolved there,
// once, not per request).
func TestNewRefuses(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	pre, err := wasiLinker(t, mod).Prepare(mod)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []serve.Config{
		{},
		{Module: mod, Root: "app"},
		{Module: mod, Env: []string{"NOEQUALS"}},
		{Module: mod, Limits: serve.Limits{MaxConcurrent: -1}},
		{Module: mod, Pre: pre},
	} {
		if _, err := serve.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	_, err = serve.New(serve.Config{Module: mod, Linker: moat.NewLinker(mod.Engine())})
	var le *moat.LinkError
	if !errors.As(err, &le) || le.Module != "wasi_snapshot_preview1" {
		t.Errorf("a linker without WASI: %v, want a *moat.LinkError naming a WASI import", err)
	}
}

// TestPrepared: a handler made from an InstancePre serves as one made
// from the module.
func TestPrepared(t *testing.T) {
	for _, kind := range engines(t) {
		mod := cModule(t, kind)
		pre, err := wasiLinker(t, mod).Prepare(mod)
		if err != nil {
			t.Fatal(err)
		}
		srv, _, _ := server(t, serve.Config{Pre: pre})
		if _, _, body := get(t, srv.URL+"/hello?pre"); body != "hello from C: pre\n" {
			t.Errorf("%v: %q", kind, body)
		}
	}
}

func wasiLinker(t *testing.T, mod *moat.Module) *moat.Linker {
	t.Helper()
	l := moat.NewLinker(mod.Engine())
	if err := wasi.DefineImports(l); err != nil {
		t.Fatal(err)
	}
	return l
}
