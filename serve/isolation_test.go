package serve_test

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat/serve"
)

// TestGuestFailures: an endless loop is cut at its deadline (504), a
// trap is 502, a guest out of memory 500; each is reported as such.
func TestGuestFailures(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			// The deadline leaves /trap and /oom (milliseconds alone)
			// room to end on their own on a loaded machine.
			srv, _, rec := server(t, serve.Config{
				Module: cModule(t, kind),
				Limits: serve.Limits{Timeout: 2 * time.Second},
			})
			for _, tc := range []struct {
				path   string
				status int
				result serve.Result
				trap   string
			}{
				{"/loop", 504, serve.ResultTimeout, "interrupted"},
				{"/trap", 502, serve.ResultTrap, "unreachable"},
				{"/oom", 500, serve.ResultMemory, "unreachable"},
				{"/hello", 200, serve.ResultOK, ""},
			} {
				status, _, body := get(t, srv.URL+tc.path)
				o := rec.next(t)
				if status != tc.status || o.Result != tc.result {
					t.Errorf("%s: %d %q, outcome %v (%v); want %d %v", tc.path, status, body, o.Result, o.Err, tc.status, tc.result)
				}
				if got := trapName(o); got != tc.trap {
					t.Errorf("%s: trap %q, want %q", tc.path, got, tc.trap)
				}
			}
		})
	}
}

func trapName(o *serve.Outcome) string {
	if o.Trap == nil {
		return ""
	}
	return o.Trap.Code.String()
}

// TestOthersServedMeanwhile: while guests spin, trap and run out of
// memory, other requests on the same handler are answered.
func TestOthersServedMeanwhile(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, h, _ := server(t, serve.Config{
				Module: cModule(t, kind),
				Limits: serve.Limits{Timeout: 5 * time.Minute, MaxConcurrent: 16},
				OnDone: func(*http.Request, *serve.Outcome) {},
			})
			// Spinning guests that only their clients' cancellation ends.
			const spinners = 3
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range spinners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/loop", nil)
					if resp, err := client.Do(req); err == nil {
						resp.Body.Close()
					}
				}()
			}
			waitFor(t, "the spinning guests to start", func() bool { return h.Stats().Live == spinners })
			for i := range 15 {
				path := []string{"/hello", "/trap", "/oom"}[i%3]
				want := map[string]int{"/hello": 200, "/trap": 502, "/oom": 500}[path]
				if status, _, body := get(t, srv.URL+path); status != want {
					t.Errorf("%s while guests spin: %d %q, want %d", path, status, body, want)
				}
			}
			if live := h.Stats().Live; live != spinners {
				t.Errorf("%d sandboxes live after the other requests, want the %d spinning ones", live, spinners)
			}
			cancel()
			wg.Wait()
			waitFor(t, "the spinning guests to be stopped", func() bool { return h.Stats().Live == 0 })
		})
	}
}

// TestConcurrencyCap: past MaxConcurrent, a request waits up to
// QueueTimeout for a sandbox, then gets 503 with Retry-After.
func TestConcurrencyCap(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	release := make(chan struct{})
	hold := func(ctx context.Context, d time.Duration) {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	for _, tc := range []struct {
		name    string
		queue   time.Duration
		status  int
		minWait time.Duration
	}{
		{"no waiting", -1, http.StatusServiceUnavailable, 0},
		{"waits then gives up", 100 * time.Millisecond, http.StatusServiceUnavailable, 100 * time.Millisecond},
		{"waits and gets a slot", time.Minute, http.StatusOK, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release = make(chan struct{})
			srv, h, rec := server(t, serve.Config{
				Module: mod,
				Limits: serve.Limits{MaxConcurrent: 1, QueueTimeout: tc.queue},
				Sleep:  hold,
			})
			first := make(chan int, 1)
			go func() {
				status, _, _ := get(t, srv.URL+"/stream")
				first <- status
			}()
			waitFor(t, "the first request to hold the only sandbox", func() bool { return h.Stats().Live == 1 })
			second := make(chan *http.Response, 1)
			go func() {
				resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+"/hello", nil))
				if err != nil {
					t.Error(err)
					close(second)
					return
				}
				readAll(t, resp)
				second <- resp
			}()
			if tc.status == http.StatusOK {
				waitFor(t, "the second request to wait", func() bool { return h.Stats().Waiting == 1 })
				close(release)
			}
			resp := <-second
			if resp == nil {
				return
			}
			if resp.StatusCode != tc.status {
				t.Errorf("second request: %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == http.StatusServiceUnavailable {
				if resp.Header.Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
				close(release)
			}
			if status := <-first; status != http.StatusOK {
				t.Errorf("first request: %d", status)
			}
			outs := []*serve.Outcome{rec.next(t), rec.next(t)}
			var refused *serve.Outcome
			for _, o := range outs {
				if o.Result == serve.ResultOverloaded {
					refused = o
				}
			}
			if (refused != nil) != (tc.status == http.StatusServiceUnavailable) {
				t.Errorf("outcomes %v, %v", outs[0].Result, outs[1].Result)
			}
			if refused != nil && refused.Wait < tc.minWait {
				t.Errorf("refused after waiting %v, want at least %v", refused.Wait, tc.minWait)
			}
		})
	}
}

// TestNothingLeaked: after many failing guests (out of memory, traps,
// deadlines), the process is back to the goroutines, file descriptors and
// memory mappings it had before.
func TestNothingLeaked(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, h, _ := server(t, serve.Config{
				Module: cModule(t, kind),
				Limits: serve.Limits{Timeout: 200 * time.Millisecond},
				OnDone: func(*http.Request, *serve.Outcome) {},
			})
			get(t, srv.URL+"/hello") // warm up: connections, pools
			client.CloseIdleConnections()
			before := snapshot()
			for i := range 24 {
				path := []string{"/oom", "/trap", "/loop", "/hello"}[i%4]
				get(t, srv.URL+path)
			}
			client.CloseIdleConnections()
			var after resources
			waitFor(t, "resources to be released", func() bool {
				runtime.GC()
				after = snapshot()
				return after.goroutines <= before.goroutines && after.fds <= before.fds && after.maps <= before.maps+8
			})
			if h.Stats().Live != 0 {
				t.Errorf("%d sandboxes live", h.Stats().Live)
			}
		})
	}
}

type resources struct{ goroutines, fds, maps int }

func snapshot() resources {
	r := resources{goroutines: runtime.NumGoroutine()}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.fds = len(fds)
	}
	if maps, err := os.ReadFile("/proc/self/maps"); err == nil {
		r.maps = strings.Count(string(maps), "\n")
	}
	return r
}

// waitFor polls cond until it holds, failing the test after testTimeout.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOutOfMemoryThenDeadline: a guest that went past its memory answers
// 500 however it ends, even when it goes on (here spinning, on a busy
// route waiting for a CPU lane) until its deadline.
func TestOutOfMemoryThenDeadline(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, _, rec := server(t, serve.Config{
				Module: cModule(t, kind),
				// Room to reach the limit (some 50 µs alone) on a
				// loaded machine before the deadline.
				Limits: serve.Limits{Timeout: time.Second},
			})
			status, _, body := get(t, srv.URL+"/oom-spin")
			o := rec.next(t)
			if status != http.StatusInternalServerError || o.Result != serve.ResultMemory {
				t.Errorf("/oom-spin: %d %q, outcome %v (%v); want 500 %v", status, body, o.Result, o.Err, serve.ResultMemory)
			}
			if !strings.Contains(body, "ran out of memory") {
				t.Errorf("/oom-spin: body %q", body)
			}
			if got := trapName(o); got != "interrupted" {
				t.Errorf("/oom-spin: trap %q, want interrupted (the deadline)", got)
			}
		})
	}
}
