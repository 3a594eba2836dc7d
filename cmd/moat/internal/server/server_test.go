package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/pool"
)

// cgiWasm is the C CGI guest of package serve's tests (its modes are
// listed in its source, cgi.c).
var cgiWasm, _ = filepath.Abs("../../../../serve/testdata/cgi/cgi.wasm")

const testTimeout = 60 * time.Second

// syncBuffer collects log lines written from several goroutines.
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

// records parses the JSON lines written so far.
func (s *syncBuffer) records(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// running is a server started by start.
type running struct {
	url, metrics string
	cancel       context.CancelFunc
	done         chan error
	reload       chan struct{}
	access, log  *syncBuffer
}

// start runs a server on loopback ports with opts, until the test ends.
func start(t *testing.T, opts Options) *running {
	t.Helper()
	r := &running{done: make(chan error, 1), reload: make(chan struct{}), access: &syncBuffer{}, log: &syncBuffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Listener, opts.MetricsListener = ln, mln
	opts.Reload, opts.AccessLog, opts.Log = r.reload, r.access, r.log
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	if opts.DrainTimeout == 0 {
		opts.DrainTimeout = testTimeout
	}
	opts.Defaults = opts.Defaults.WithDefaults(Limits{Timeout: Duration(testTimeout), MaxMemory: 16 << 20, QueueTimeout: Duration(time.Second)})
	started := make(chan struct{})
	opts.Started = func(string, string) { close(started) }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- Run(ctx, opts) }()
	select {
	case <-started:
	case err := <-r.done:
		t.Fatalf("Run: %v\n%s", err, r.log.String())
	case <-time.After(testTimeout):
		t.Fatal("the server did not start")
	}
	r.url, r.metrics = "http://"+ln.Addr().String(), "http://"+mln.Addr().String()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(testTimeout):
			t.Error("the server did not stop")
		}
	})
	return r
}

// stop ends the server and returns Run's result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(testTimeout):
		t.Fatal("the server did not stop")
		return nil
	}
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServeRoutes: routes from a configuration file, each with its own
// environment, directories and limits; health checks; metrics; the
// access log.
func TestServeRoutes(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "static"), 0o755)
	os.WriteFile(filepath.Join(dir, "static", "greeting.txt"), []byte("hello from static\n"), 0o644)
	cfg := writeConfig(t, dir, fmt.Sprintf(`{"routes": [
  {"path": "/c", "module": %q, "timeout": "300ms", "max_memory": "2MiB", "max_concurrent": 4},
  {"path": "/", "module": %q, "env": {"CGI_MODE": "/env", "GREETING": "root"}},
  {"path": "/files", "module": %q, "env": {"CGI_MODE": "/file"}, "dirs": [{"host": "static", "guest": "/data"}]}
]}`, cgiWasm, cgiWasm, cgiWasm))
	s := start(t, Options{ConfigFile: cfg, EngineConfig: moat.Config{Engine: moat.EngineAuto}, LongRunCPUs: 1, LongRunAfter: time.Millisecond})

	for _, tc := range []struct {
		path   string
		status int
		body   []string
	}{
		{"/c/hello?x", 200, []string{"hello from C: x\n"}},
		{"/c/env", 200, []string{"\nSCRIPT_NAME=/c\n", "\nPATH_INFO=/env\n"}},
		{"/c/trap", 502, nil},
		{"/c/loop", 504, nil},
		{"/c/oom", 500, nil},
		{"/elsewhere", 200, []string{"\nGREETING=root\n", "\nSCRIPT_NAME=\n", "\nPATH_INFO=/elsewhere\n"}},
		{"/files", 200, []string{"hello from static\ncreate: Operation not permitted\n"}},
		{"/healthz", 200, []string{"ok\n"}},
		{"/readyz", 200, []string{"ready\n"}},
	} {
		status, body := get(t, s.url+tc.path)
		if status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.path, status, body, tc.status)
		}
		for _, want := range tc.body {
			if !strings.Contains(body, want) {
				t.Errorf("%s: %q missing from %q", tc.path, want, body)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := get(t, s.metrics+path); status != 200 {
			t.Errorf("metrics listener %s: %d", path, status)
		}
	}

	_, text := get(t, s.metrics+"/metrics")
	for _, want := range []string{
		`moat_http_requests_total{code="200",result="ok",route="/c"} 2`,
		`moat_http_requests_total{code="502",result="trap",route="/c"} 1`,
		`moat_http_requests_total{code="504",result="timeout",route="/c"} 1`,
		`moat_http_requests_total{code="500",result="memory",route="/c"} 1`,
		`moat_sandbox_traps_total{code="unreachable",route="/c"} 2`,
		`moat_sandbox_traps_total{code="interrupted",route="/c"} 1`,
		`moat_http_request_duration_seconds_count{route="/c"} 5`,
		`moat_sandbox_instantiate_duration_seconds_count{route="/"} 1`,
		`moat_sandboxes_live{route="/c"} 0`,
		`moat_pool_slots{route="/c"} 4`,
		`moat_pool_occupancy_ratio{route="/c"} 0`,
		`moat_routes 3`,
		`moat_cpu_lanes 1`,
		`moat_cpu_lanes_running 0`,
		`moat_cpu_lanes_waiting 0`,
		`go_goroutines `,
		`process_open_fds `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// The capped route's memories come from a pool of its 4 slots and a
	// reset batch's, where the compiler has pools; the others' on demand.
	if poolsHere(t) {
		for _, want := range []string{
			fmt.Sprintf(`moat_pool_memory_slots{route="/c"} %d`, 4+pool.ResetBatch),
			`moat_pool_memory_slots_in_use{route="/c"} 0`,
			`moat_pool_memory_slots_warm{route="/c"} `,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
	}
	if strings.Contains(text, `moat_pool_memory_slots{route="/"}`) {
		t.Error("a route without a concurrency cap has a pool")
	}

	recs := s.access.records(t)
	if len(recs) != 7 {
		t.Fatalf("%d access records, want 7 (health checks are not logged):\n%s", len(recs), s.access.String())
	}
	first := recs[0]
	for k, want := range map[string]any{"msg": "request", "route": "/c", "method": "GET", "path": "/c/hello", "status": 200.0, "result": "ok", "bytes_written": 16.0} {
		if first[k] != want {
			t.Errorf("access record %s = %v, want %v", k, first[k], want)
		}
	}
	if recs[2]["trap"] != "unreachable" || recs[3]["result"] != "timeout" || recs[4]["result"] != "memory" {
		t.Errorf("failure records: %v\n%v\n%v", recs[2], recs[3], recs[4])
	}
	for _, k := range []string{"time", "duration", "instantiate", "wait", "remote"} {
		if _, ok := first[k]; !ok {
			t.Errorf("access record lacks %s", k)
		}
	}
}

// TestServeNoRoute: a path no route serves is 404, logged as no_route.
func TestServeNoRoute(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(`{"routes": [{"path": "/only", "module": %q}]}`, cgiWasm))
	s := start(t, Options{ConfigFile: cfg})
	if status, _ := get(t, s.url+"/other"); status != 404 {
		t.Errorf("status %d", status)
	}
	if recs := s.access.records(t); len(recs) != 1 || recs[0]["result"] != "no_route" || recs[0]["status"] != 404.0 {
		t.Errorf("records %v", recs)
	}
}

// TestAccessLogFlushedAtShutdown: with access log records written out
// together, none is lost: those still waiting are written when the
// server stops.
func TestAccessLogFlushedAtShutdown(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), fmt.Sprintf(`{"routes": [{"path": "/", "module": %q}]}`, cgiWasm))
	s := start(t, Options{ConfigFile: cfg, AccessLogFlush: time.Hour})
	for _, q := range []string{"a", "b", "c"} {
		if status, body := get(t, s.url+"/hello?"+q); status != 200 || body != "hello from C: "+q+"\n" {
			t.Fatalf("%d %q", status, body)
		}
	}
	if got := s.access.String(); got != "" {
		t.Errorf("records written before the interval: %q", got)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	recs := s.access.records(t)
	if len(recs) != 3 {
		t.Fatalf("%d records after shutdown, want 3:\n%s", len(recs), s.access.String())
	}
	for i, q := range []string{"a", "b", "c"} {
		if recs[i]["path"] != "/hello" || recs[i]["status"] != 200.0 {
			t.Errorf("record %d (%s): %v", i, q, recs[i])
		}
	}
}

// TestServeBadStart: a configuration or module that cannot load fails
// Run before it serves.
func TestServeBadStart(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.wasm"), []byte("\x00asm\x01\x00\x00\x00\x05"), 0o644)
	for _, tc := range []struct{ cfg, err string }{
		{`{"routes": [{"path": "/", "module": "missing.wasm"}]}`, "no such file"},
		{`{"routes": [{"path": "/", "module": "bad.wasm"}]}`, "malformed module"},
		{`{"routes": [{"path": "/", "module": "oci://127.0.0.1:1/x:latest"}]}`, "not pinned by digest"},
		{fmt.Sprintf(`{"routes": [{"path": "/", "module": %q, "dirs": [{"host": "nowhere", "guest": "/d"}]}]}`, cgiWasm), "nowhere"},
	} {
		err := Run(context.Background(), Options{ConfigFile: writeConfig(t, dir, tc.cfg), StoreDir: t.TempDir(), Addr: "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", tc.cfg, err, tc.err)
		}
	}
}

// TestReloadWithoutDroppingRequests: while clients keep sending requests,
// reloads switch the routes to a new configuration; every request is
// answered, and after each reload the new routes answer.
func TestReloadWithoutDroppingRequests(t *testing.T) {
	dir := t.TempDir()
	version := func(v int) string {
		return fmt.Sprintf(`{"routes": [{"path": "/", "module": %q, "env": {"CGI_MODE": "/env", "VERSION": "%d"}}]}`, cgiWasm, v)
	}
	cfg := writeConfig(t, dir, version(1))
	s := start(t, Options{ConfigFile: cfg})

	var failures atomic.Int64
	var served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: testTimeout}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(s.url + "/")
				if err != nil {
					failures.Add(1)
					t.Errorf("request failed during reloads: %v", err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), "\nVERSION=") {
					failures.Add(1)
					t.Errorf("during reloads: %d %q", resp.StatusCode, b)
				}
				served.Add(1)
			}
		}()
	}
	for v := 2; v <= 4; v++ {
		writeConfig(t, dir, version(v))
		s.reload <- struct{}{}
		want := fmt.Sprintf("\nVERSION=%d\n", v)
		deadline := time.Now().Add(testTimeout)
		for {
			_, body := get(t, s.url+"/")
			if strings.Contains(body, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("version %d never served", v)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// A configuration that does not load leaves version 4 in force.
	writeConfig(t, dir, `{"routes": [{"path": "/", "module": "missing.wasm"}]}`)
	s.reload <- struct{}{}
	waitLog(t, s.log, "reload failed")
	if _, body := get(t, s.url+"/"); !strings.Contains(body, "\nVERSION=4\n") {
		t.Errorf("after a failed reload: %q", body)
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || served.Load() == 0 {
		t.Errorf("%d of %d requests failed", failures.Load(), served.Load())
	}
	_, text := get(t, s.metrics+"/metrics")
	for _, want := range []string{`moat_config_reloads_total{result="ok"} 3`, `moat_config_reloads_total{result="error"} 1`} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func waitLog(t *testing.T, log *syncBuffer, msg string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !strings.Contains(log.String(), `"msg":"`+msg) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", msg, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestGracefulShutdown: once shutdown starts, the server is not ready and
// takes no new connections, and the request in flight still completes.
func TestGracefulShutdown(t *testing.T) {
	s := start(t, Options{Module: cgiWasm})
	addr := strings.TrimPrefix(s.url, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A request whose body the guest is still waiting for.
	fmt.Fprintf(conn, "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
	waitFor(t, "the request to be in flight", func() bool { return strings.Contains(metric(t, s), `moat_sandboxes_live{route="/"} 1`) })

	stopped := make(chan error, 1)
	go func() { stopped <- s.stop(t) }()
	waitFor(t, "not ready", func() bool {
		resp, err := http.Get(s.metrics + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	// Readiness goes false first, then the listener closes.
	waitFor(t, "new connections to be refused", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-stopped:
		t.Fatalf("stopped (%v) with a request in flight", err)
	default:
	}
	fmt.Fprint(conn, "56789")
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "bytes=10 ") {
		t.Errorf("in-flight request: %d %q", resp.StatusCode, body)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestDrainTimeout: requests still running when the drain timeout passes
// are interrupted, and Run returns.
func TestDrainTimeout(t *testing.T) {
	s := start(t, Options{Module: cgiWasm, DrainTimeout: 200 * time.Millisecond})
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.url + "/loop")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		got <- err
	}()
	waitFor(t, "the loop to run", func() bool { return strings.Contains(metric(t, s), `moat_sandboxes_live{route="/"} 1`) })
	if err := s.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	select {
	case <-got:
	case <-time.After(testTimeout):
		t.Fatal("the spinning request was not cut")
	}
	waitLog(t, s.log, "drain timeout passed")
}

func metric(t *testing.T, s *running) string {
	_, text := get(t, s.metrics+"/metrics")
	return text
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// versionWat is a CGI program that answers "v2": a module to swap in.
const versionWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Content-Type: text/plain\n\nv2\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 29))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`

// TestReloadModule: a reload reads the module file again, and compiles it
// only when its bytes changed.
func TestReloadModule(t *testing.T) {
	dir := t.TempDir()
	module := filepath.Join(dir, "app.wasm")
	orig, err := os.ReadFile(cgiWasm)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(module, orig, 0o644)
	s := start(t, Options{Module: module})
	if _, body := get(t, s.url+"/hello?v1"); body != "hello from C: v1\n" {
		t.Fatalf("before: %q", body)
	}
	s.reload <- struct{}{}
	waitLog(t, s.log, "reloaded")
	if !strings.Contains(s.log.String(), `"compiled":false`) {
		t.Errorf("an unchanged module was compiled again:\n%s", s.log.String())
	}
	os.WriteFile(module, []byte(versionWat), 0o644)
	s.reload <- struct{}{}
	waitFor(t, "the new module", func() bool { _, body := get(t, s.url+"/hello"); return body == "v2\n" })
}

// poolsHere reports whether the compiler engine has pools of memory slots
// on this machine.
func poolsHere(t *testing.T) bool {
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, Pooling: &moat.PoolingConfig{TotalMemories: 1, MaxMemorySize: 1 << 16}})
	if err != nil {
		return false
	}
	_, ok := e.PoolStats()
	return ok
}
