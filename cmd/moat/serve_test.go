package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// cgiGuest is package serve's C CGI guest.
func cgiGuest() string { return filepath.Join("..", "..", "serve", "testdata", "cgi", "cgi.wasm") }

// lockedBuffer is a bytes.Buffer written by the command and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitRecord waits for a JSON log record with msg and returns it.
// stopServe sends the process SIGTERM and waits for the moat serve
// running in it (its exit code on exit) to stop with exit code 0.
func stopServe(t *testing.T, exit <-chan int, stderr *lockedBuffer) {
	t.Helper()
	raise(t, syscall.SIGTERM)
	select {
	case code := <-exit:
		if code != exitOK {
			t.Errorf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("moat serve did not stop on SIGTERM")
	}
}

func waitRecord(t *testing.T, log *lockedBuffer, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(log.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
				return m
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %q record in:\n%s", msg, log.String())
	return nil
}

// TestServeCommandSignals runs moat serve in-process and sends it real
// signals: SIGHUP reloads, SIGTERM drains and exits 0.
func TestServeCommandSignals(t *testing.T) {
	var stdout, stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--store", t.TempDir(),
			"--env", "GREETING=hi", cgiGuest()}, &stdout, &stderr)
	}()
	serving := waitRecord(t, &stderr, "serving")
	url := "http://" + serving["addr"].(string)
	resp, err := http.Get(url + "/env")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "\nGREETING=hi\n") {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	raise(t, syscall.SIGHUP)
	waitRecord(t, &stderr, "reloaded")
	stopServe(t, exit, &stderr)
	waitRecord(t, &stderr, "stopped")
	if !strings.Contains(stdout.String(), `"msg":"request"`) || !strings.Contains(stdout.String(), `"path":"/env"`) {
		t.Errorf("access log on stdout:\n%s", stdout.String())
	}
}

// TestServeGCPercent: moat serve runs the Go collector at serveGCPercent
// unless the environment sets GOGC, and puts the setting back when it
// returns.
func TestServeGCPercent(t *testing.T) {
	for _, tc := range []struct {
		gogc string
		want int
	}{{"", serveGCPercent}, {"150", 123}} {
		t.Setenv("GOGC", tc.gogc)
		before := debug.SetGCPercent(123) // as if the process had started with it
		var stdout, stderr lockedBuffer
		exit := make(chan int, 1)
		go func() {
			exit <- run([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--store", t.TempDir(), cgiGuest()}, &stdout, &stderr)
		}()
		serving := waitRecord(t, &stderr, "serving")
		resp, err := http.Get("http://" + serving["metrics_addr"].(string) + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("\ngo_gc_gogc_percent %d\n", tc.want); !strings.Contains(string(metrics), want) {
			t.Errorf("GOGC=%q: no %q in the metrics", tc.gogc, strings.TrimSpace(want))
		}
		stopServe(t, exit, &stderr)
		if after := debug.SetGCPercent(before); after != 123 {
			t.Errorf("GOGC=%q: GC percent %d after moat serve returned, want 123 back", tc.gogc, after)
		}
	}
}

// TestServeUsageErrors: command lines moat serve, push and pull refuse.
func TestServeUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"serve"}, "missing MODULE (or --config FILE)"},
		{[]string{"serve", "a.wasm", "b.wasm"}, "one MODULE only"},
		{[]string{"serve", "--config", "c.json", "a.wasm"}, "MODULE and --config both given"},
		{[]string{"serve", "--config", "c.json", "--env", "A=B"}, "--env and --dir are for MODULE"},
		{[]string{"serve", "--max-memory", "lots", "a.wasm"}, "--max-memory: invalid size"},
		{[]string{"serve", "--max-concurrent", "0", "a.wasm"}, "--max-concurrent"},
		{[]string{"serve", "--timeout"}, "flag --timeout needs a value"},
		{[]string{"serve", "--plain-http=yes", "a.wasm"}, "takes no value"},
		{[]string{"serve", "--trust-key", "k.pub", "a.wasm"}, "add --allow-precompiled"},
		{[]string{"serve", "--fuel", "0", "a.wasm"}, "--fuel"},
		{[]string{"serve", "-C", "cache=maybe", "a.wasm"}, "-C cache"},
		{[]string{"serve", "-O", "nonsense=1", "a.wasm"}, "unknown -O option"},
		{[]string{"serve", "-W", "timeout=-1", "a.wasm"}, "-W timeout"},
		{[]string{"serve", "--pooling", "maybe", "a.wasm"}, "--pooling"},
		{[]string{"serve", "--long-run-cpus", "-1", "a.wasm"}, "--long-run-cpus"},
		{[]string{"serve", "--long-run-duty", "0", "a.wasm"}, "--long-run-duty"},
		{[]string{"serve", "--long-run-duty", "150%", "a.wasm"}, "--long-run-duty"},
		{[]string{"push", "a.wasm"}, "want MODULE and REF"},
		{[]string{"pull"}, "want one REF"},
	} {
		code, _, errOut := runMoat(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.err) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, exitUsage, tc.err)
		}
	}
}

// TestServeEngineFlags: -W, -O, -C, --engine and --allow-precompiled
// configure the routes' engines as they configure moat run's.
func TestServeEngineFlags(t *testing.T) {
	opts, _, err := parseServeArgs([]string{"a.wasm"})
	if err != nil || opts.EngineConfig.CacheDir != defaultCacheDir() || opts.AllowPrecompiled || opts.Defaults.Timeout != serveDefaults.Timeout {
		t.Errorf("defaults: cache %q, allow %v, timeout %v, %v", opts.EngineConfig.CacheDir, opts.AllowPrecompiled, opts.Defaults.Timeout, err)
	}
	opts, _, err = parseServeArgs([]string{"-C", "cache=n", "-O", "signals-based-traps=n", "-W", "timeout=2s,gc=n",
		"--engine", "interp", "--allow-precompiled", "a.wasm"})
	cfg := opts.EngineConfig
	if err != nil || cfg.CacheDir != "" || cfg.BoundsChecks != moat.BoundsChecksExplicit || cfg.Engine != moat.EngineInterpreter ||
		cfg.DisabledFeatures&moat.FeatureGC == 0 || !opts.AllowPrecompiled || time.Duration(opts.Defaults.Timeout) != 2*time.Second {
		t.Errorf("flags: %+v, timeout %v, allow %v, %v", cfg, opts.Defaults.Timeout, opts.AllowPrecompiled, err)
	}
	if opts, _, err := parseServeArgs([]string{"--fuel", "5000", "a.wasm"}); err != nil || opts.Defaults.Fuel != 5000 || opts.NoPooling {
		t.Errorf("--fuel: %d, no pooling %v, %v", opts.Defaults.Fuel, opts.NoPooling, err)
	}
	if opts, _, err := parseServeArgs([]string{"--pooling", "n", "a.wasm"}); err != nil || !opts.NoPooling || opts.AccessLogFlush != defaultAccessLogFlush {
		t.Errorf("--pooling n: no pooling %v, access log flush %v, %v", opts.NoPooling, opts.AccessLogFlush, err)
	}
	if opts, _, err := parseServeArgs([]string{"--access-log-flush", "0", "a.wasm"}); err != nil || opts.AccessLogFlush > 0 ||
		opts.LongRunCPUs != max(1, runtime.GOMAXPROCS(0)/2) || opts.LongRunAfter != 5*time.Millisecond || opts.LongRunDuty != 0.25 {
		t.Errorf("--access-log-flush 0: %v, long-running lanes %d after %v at %v, %v", opts.AccessLogFlush, opts.LongRunCPUs, opts.LongRunAfter, opts.LongRunDuty, err)
	}
	for v, want := range map[string]float64{"0.5": 0.5, "10%": 0.1, "1": 1} {
		if opts, _, err := parseServeArgs([]string{"--long-run-duty", v, "a.wasm"}); err != nil || opts.LongRunDuty != want {
			t.Errorf("--long-run-duty %s: %v, %v; want %v", v, opts.LongRunDuty, err, want)
		}
	}
	if opts, _, err := parseServeArgs([]string{"--long-run-cpus", "3", "--long-run-after", "5ms", "a.wasm"}); err != nil ||
		opts.LongRunCPUs != 3 || opts.LongRunAfter != 5*time.Millisecond {
		t.Errorf("--long-run-cpus 3 --long-run-after 5ms: %d, %v, %v", opts.LongRunCPUs, opts.LongRunAfter, err)
	}
	// --timeout wins over -W timeout, whatever their order.
	opts, _, _ = parseServeArgs([]string{"--timeout", "3s", "-W", "timeout=2s", "-C", "cache-dir=/tmp/c", "a.wasm"})
	if time.Duration(opts.Defaults.Timeout) != 3*time.Second || opts.EngineConfig.CacheDir != "/tmp/c" {
		t.Errorf("timeout %v, cache %q", opts.Defaults.Timeout, opts.EngineConfig.CacheDir)
	}
}
