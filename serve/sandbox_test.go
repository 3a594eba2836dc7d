package serve_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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

// TestNewRefuses: configurations that cannot work are refused by New.
func TestNewRefuses(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	for _, cfg := range []serve.Config{
		{},
		{Module: mod, Root: "app"},
		{Module: mod, Env: []string{"NOEQUALS"}},
		{Module: mod, Limits: serve.Limits{MaxConcurrent: -1}},
	} {
		if _, err := serve.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}
