package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/serve"
)

// gate is a Sleep for guests that blocks until the test opens it.
func sleepUntil(open <-chan struct{}) func(context.Context, time.Duration) {
	return func(ctx context.Context, _ time.Duration) {
		select {
		case <-open:
		case <-ctx.Done():
		}
	}
}

// streamCheck asks path for "part 1", then "part 2" with a sleep between
// (stream modes of both guests), holding the guest in its sleep until the
// client has read part 1: the handler must have sent it before the guest
// wrote part 2, or the test blocks until its timeout.
func streamCheck(t *testing.T, mod *moat.Module, path string, flushDelay time.Duration) {
	open := make(chan struct{})
	srv, _, rec := server(t, serve.Config{Module: mod, Sleep: sleepUntil(open), Limits: serve.Limits{FlushDelay: flushDelay}})
	resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+path, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "part 1\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(open)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "part 2\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	if o := rec.next(t); o.Result != serve.ResultOK || o.Status != 200 {
		t.Errorf("outcome %v %d (%v)", o.Result, o.Status, o.Err)
	}
}

// TestStreamingResponse: what the guest writes before it sleeps reaches
// the client before what it writes after. With a FlushDelay longer than
// the test, only the flush before the sleep can get it there.
func TestStreamingResponse(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			streamCheck(t, cModule(t, kind), "/stream", time.Hour)
			streamCheck(t, cModule(t, kind), "/stream", 0)
		})
	}
}

// TestStreamingRequestBody: the guest reads the body as the client sends
// it and its echo reaches the client before the client sends more. A
// handler that buffered either direction would block the test.
func TestStreamingRequestBody(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			echoCheck(t, cModule(t, kind), "/echo")
		})
	}
}

func echoCheck(t *testing.T, mod *moat.Module, path string) {
	srv, _, rec := server(t, serve.Config{Module: mod, Limits: serve.Limits{FlushDelay: time.Hour}})
	pr, pw := io.Pipe()
	req := mustRequest(t, http.MethodPost, srv.URL+path, pr)
	// A declared length, as CGI programs expect (Go's net/http/cgi reads
	// no body without CONTENT_LENGTH); the body still streams.
	req.ContentLength = int64(len("chunk 0;") * 5)
	type result struct {
		resp *http.Response
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		got <- result{resp, err}
	}()
	// The head comes once the guest waits for the body.
	if _, err := pw.Write([]byte("chunk 0;")); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.resp.Body.Close()
	buf := make([]byte, 64)
	for i := range 5 {
		if i > 0 {
			if _, err := fmt.Fprintf(pw, "chunk %d;", i); err != nil {
				t.Fatal(err)
			}
		}
		want := fmt.Sprintf("chunk %d;", i)
		if _, err := io.ReadFull(r.resp.Body, buf[:len(want)]); err != nil || string(buf[:len(want)]) != want {
			t.Fatalf("echo %d: %q, %v", i, buf[:len(want)], err)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(r.resp.Body); err != nil || len(rest) != 0 {
		t.Fatalf("after the body: %q, %v", rest, err)
	}
	if o := rec.next(t); o.Result != serve.ResultOK || o.BodyRead != int64(len("chunk 0;")*5) {
		t.Errorf("outcome %v (%v), read %d", o.Result, o.Err, o.BodyRead)
	}
}

// pattern is an endless reader of a byte pattern that allocates nothing.
type pattern struct{ n int64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.n*7 + p.n>>9)
		p.n++
	}
	return len(b), nil
}

// TestLargeBodiesNotBuffered: 64 MiB in and 64 MiB out pass through the
// handler while the host allocates a small fraction of that.
func TestLargeBodiesNotBuffered(t *testing.T) {
	const size = 64 << 20
	const mostAllocated = 8 << 20
	want := func() string {
		sum := uint64(1469598103934665603)
		p := &pattern{}
		b := make([]byte, 1<<20)
		for range size >> 20 {
			p.Read(b)
			for _, c := range b {
				sum = (sum ^ uint64(c)) * 1099511628211
			}
		}
		return fmt.Sprintf("bytes=%d fnv=%016x\n", size, sum)
	}()
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, _, _ := server(t, serve.Config{Module: cModule(t, kind), Limits: serve.Limits{Timeout: 5 * time.Minute}})
			get(t, srv.URL+"/hello") // a warm connection

			before := allocated()
			req := mustRequest(t, http.MethodPost, srv.URL+"/count", io.LimitReader(&pattern{}, size))
			req.ContentLength = size
			status, _, body := do(t, req)
			if delta := allocated() - before; delta > mostAllocated {
				t.Errorf("%d bytes allocated to take a %d byte body", delta, size)
			}
			if status != 200 || body != want {
				t.Errorf("count: %d %q, want %q", status, body, want)
			}

			before = allocated()
			resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+"/big?64", nil))
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n != size {
				t.Errorf("big: %d bytes, %v", n, err)
			}
			if delta := allocated() - before; delta > mostAllocated {
				t.Errorf("%d bytes allocated to send a %d byte body", delta, size)
			}
		})
	}
}

func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestFailureAfterResponseStarted: a guest that traps after part of its
// body was sent gets its connection cut, so the client cannot take the
// part for the whole.
func TestFailureAfterResponseStarted(t *testing.T) {
	srv, _, rec := server(t, serve.Config{Module: cModule(t, engines(t)[0])})
	resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+"/late-trap", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || string(body) != "first half\n" {
		t.Errorf("body %q, error %v; want the first half and an error", body, err)
	}
	if o := rec.next(t); o.Result != serve.ResultTrap || !o.Aborted || o.Status != 200 {
		t.Errorf("outcome %v aborted=%v status=%d", o.Result, o.Aborted, o.Status)
	}
}

// TestSlowClients: a client that never reads the response, or never sends
// the body it announced, cannot hold a sandbox past the deadline.
func TestSlowClients(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	srv, h, rec := server(t, serve.Config{Module: mod, Limits: serve.Limits{Timeout: 300 * time.Millisecond}})
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		name, request string
		aborted       bool
	}{
		{"does not read", "GET /big?1024 HTTP/1.1\r\nHost: x\r\n\r\n", true},
		{"does not send", "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", false},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, tc.request); err != nil {
			t.Fatal(err)
		}
		o := rec.next(t)
		if o.Result != serve.ResultTimeout || o.Aborted != tc.aborted {
			t.Errorf("%s: outcome %v aborted=%v (%v), want timeout aborted=%v", tc.name, o.Result, o.Aborted, o.Err, tc.aborted)
		}
		if !tc.aborted {
			conn.SetReadDeadline(time.Now().Add(testTimeout))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			if !strings.HasPrefix(line, "HTTP/1.1 504 ") {
				t.Errorf("%s: status line %q", tc.name, line)
			}
		}
		conn.Close()
	}
	waitFor(t, "no sandbox left", func() bool { return h.Stats().Live == 0 })
}

// TestRequestBodyLimit: a declared body over MaxRequestBody is refused
// before any sandbox starts; an undeclared one is cut where it passes it.
func TestRequestBodyLimit(t *testing.T) {
	srv, _, rec := server(t, serve.Config{Module: cModule(t, engines(t)[0]), Limits: serve.Limits{MaxRequestBody: 1000}})
	req := mustRequest(t, http.MethodPost, srv.URL+"/count", bytes.NewReader(make([]byte, 1001)))
	if status, _, _ := do(t, req); status != http.StatusRequestEntityTooLarge {
		t.Errorf("declared body: %d", status)
	}
	if o := rec.next(t); o.Result != serve.ResultBodyTooLarge || o.Instantiate != 0 {
		t.Errorf("declared body: outcome %v, instantiated in %v", o.Result, o.Instantiate)
	}
	req = mustRequest(t, http.MethodPost, srv.URL+"/count", io.MultiReader(bytes.NewReader(make([]byte, 1001))))
	req.ContentLength = -1 // chunked
	status, _, body := do(t, req)
	if status != http.StatusBadRequest || body != "read failed\n" {
		t.Errorf("chunked body: %d %q; want the guest's own 400 for its failed read", status, body)
	}
	if o := rec.next(t); o.BodyRead != 1000 {
		t.Errorf("chunked body: the guest read %d bytes", o.BodyRead)
	}
}

// TestNULInRequest: a path with an encoded NUL cannot become an argument
// or a variable; the request is refused.
func TestNULInRequest(t *testing.T) {
	srv, _, rec := server(t, serve.Config{Module: cModule(t, engines(t)[0])})
	if status, _, _ := get(t, srv.URL+"/env/a%00b"); status != http.StatusBadRequest {
		t.Errorf("status %d", status)
	}
	if o := rec.next(t); o.Result != serve.ResultBadRequest {
		t.Errorf("outcome %v", o.Result)
	}
}

// TestCanceledWhileWaiting: the guest reads the body and writes the
// response on its own goroutine (no helper goroutine). When its context
// ends long before its deadline (here the server's base context, as moat
// serve's drain timeout cancels it) while it waits for a client that does
// not read its response, or does not send the body it announced, the wait
// ends at once and the sandbox with it.
func TestCanceledWhileWaiting(t *testing.T) {
	for _, kind := range engines(t) {
		for _, tc := range []struct {
			name, request string
			started       bool // the response started before the wait
		}{
			{"writing", "GET /big?1024 HTTP/1.1\r\nHost: x\r\n\r\n", true},
			{"reading", "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", false},
		} {
			t.Run(kind.String()+"/"+tc.name, func(t *testing.T) {
				rec := newRecorder()
				h, err := serve.New(serve.Config{Module: cModule(t, kind), Limits: serve.Limits{Timeout: time.Hour}, OnDone: rec.onDone})
				if err != nil {
					t.Fatal(err)
				}
				base, cancel := context.WithCancel(context.Background())
				defer cancel()
				srv := httptest.NewUnstartedServer(h)
				srv.Config.BaseContext = func(net.Listener) context.Context { return base }
				srv.Start()
				defer srv.Close()
				conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				conn.(*net.TCPConn).SetReadBuffer(4096)
				if _, err := io.WriteString(conn, tc.request); err != nil {
					t.Fatal(err)
				}
				if tc.started {
					// The response has started; the client reads no more of it.
					conn.SetReadDeadline(time.Now().Add(testTimeout))
					if line, _ := bufio.NewReader(conn).ReadString('\n'); !strings.HasPrefix(line, "HTTP/1.1 200 ") {
						t.Fatalf("status line %q", line)
					}
				}
				time.Sleep(300 * time.Millisecond) // the guest now waits for the client
				if h.Stats().Live != 1 {
					t.Fatalf("%d sandboxes live, want the one waiting", h.Stats().Live)
				}
				cancel()
				o := rec.next(t)
				if o.Result != serve.ResultCanceled || o.Aborted != tc.started {
					t.Errorf("outcome %v aborted=%v (%v), want canceled, aborted=%v", o.Result, o.Aborted, o.Err, tc.started)
				}
				waitFor(t, "no sandbox left", func() bool { return h.Stats().Live == 0 })
			})
		}
	}
}

// TestUnreadBodyKeepsConnection: a guest that leaves the request body
// unread still answers, and the connection takes the next request (left
// for net/http to read after the handler, with full duplex on, the rest
// of the body made it panic and drop the connection).
func TestUnreadBodyKeepsConnection(t *testing.T) {
	srv, _, _ := server(t, serve.Config{Module: cModule(t, engines(t)[0]), OnDone: func(*http.Request, *serve.Outcome) {}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	br := bufio.NewReader(conn)
	for i, req := range []string{
		"POST /hello?first HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nnot read by",
		"POST /hello?second HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthe C",
		"GET /hello?third HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on the same connection: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "hello from C: " + strings.Fields(req)[1][len("/hello?"):] + "\n"; resp.StatusCode != 200 || string(body) != want {
			t.Errorf("request %d: %d %q, want 200 %q", i+1, resp.StatusCode, body, want)
		}
	}
}
