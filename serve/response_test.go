package serve_test

import (
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/moat-run/moat/serve"
)

// TestResponses runs the C guest's response modes: the status, headers
// and body the client gets, and the Outcome the handler reports.
func TestResponses(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, _, rec := server(t, serve.Config{Module: cModule(t, kind)})
			for _, tc := range []struct {
				path    string
				status  int
				headers map[string]string // "" means absent
				body    string            // prefix
				result  serve.Result
			}{
				{"/hello?who", 200, map[string]string{"Content-Type": "text/plain"}, "hello from C: who\n", serve.ResultOK},
				{"/status", 404, map[string]string{"Content-Type": "text/plain"}, "nothing here\n", serve.ResultOK},
				{"/redirect", 302, map[string]string{"Location": "https://example.com/elsewhere"}, "", serve.ResultOK},
				{"/headers", 200, map[string]string{
					"Content-Type": "text/html; charset=utf-8", "X-Guest": "yes",
					"Cache-Control": "no-store", "Connection": "", "Transfer-Encoding": "",
				}, "<p>headers</p>\n", serve.ResultOK},
				{"/exit3-after", 200, nil, "done anyway\n", serve.ResultExit},
				{"/bad", 502, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "502 Bad Gateway: invalid CGI response: header line \"this is not a header\" has no colon\n", serve.ResultBadResponse},
				{"/truncated", 502, nil, "502 Bad Gateway: invalid CGI response: the guest ended before the blank line", serve.ResultBadResponse},
				{"/exit3", 502, nil, "502 Bad Gateway: the sandbox exited with status 3 without a complete response\n", serve.ResultExit},
				{"/trap", 502, nil, "502 Bad Gateway: the sandbox trapped: unreachable\n", serve.ResultTrap},
			} {
				resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+tc.path, nil))
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, resp)
				o := rec.next(t)
				if resp.StatusCode != tc.status || !strings.HasPrefix(body, tc.body) {
					t.Errorf("%s: %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
				}
				for k, v := range tc.headers {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%s: header %s = %q, want %q", tc.path, k, got, v)
					}
				}
				if o.Result != tc.result || o.Status != tc.status {
					t.Errorf("%s: outcome %v %d (%v), want %v %d", tc.path, o.Result, o.Status, o.Err, tc.result, tc.status)
				}
			}
			// Repeated headers keep every value.
			resp, err := client.Do(mustRequest(t, http.MethodGet, srv.URL+"/headers", nil))
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			rec.next(t)
			if c := resp.Header.Values("Set-Cookie"); strings.Join(c, "|") != "a=1|b=2" {
				t.Errorf("Set-Cookie = %q", c)
			}
		})
	}
}

// TestTrapOutcome: a trap's Outcome carries the trap with its backtrace.
func TestTrapOutcome(t *testing.T) {
	srv, _, rec := server(t, serve.Config{Module: cModule(t, engines(t)[0])})
	get(t, srv.URL+"/trap")
	o := rec.next(t)
	if o.Trap == nil || o.Trap.Code.String() != "unreachable" || len(o.Trap.Frames) == 0 {
		t.Fatalf("trap %+v", o.Trap)
	}
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("reading the body: %v", err)
			}
			return b.String()
		}
	}
}

// TestResponsesInTurn: requests of different kinds in turn on several
// connections at once (a head with many fields, a body larger than what
// is held, a stream whose flush timer fires, failures), each response
// exactly its own: the stdio state one request leaves for the next
// (sandboxIO's pool) carries nothing of it.
func TestResponsesInTurn(t *testing.T) {
	kind := engines(t)[len(engines(t))-1]
	srv, _, _ := server(t, serve.Config{Module: cModule(t, kind), OnDone: func(*http.Request, *serve.Outcome) {}})
	type want struct {
		status int
		header http.Header // the guest's fields, exactly (Content-Length and Date aside)
		body   string
	}
	text := func(s string) http.Header { return http.Header{"Content-Type": {s}} }
	cases := map[string]want{
		"/hello?a":  {200, text("text/plain"), "hello from C: a\n"},
		"/status":   {404, text("text/plain"), "nothing here\n"},
		"/redirect": {302, http.Header{"Location": {"https://example.com/elsewhere"}}, ""},
		"/headers": {200, http.Header{"Content-Type": {"text/html; charset=utf-8"}, "X-Guest": {"yes"},
			"Set-Cookie": {"a=1", "b=2"}, "Cache-Control": {"no-store"}}, "<p>headers</p>\n"},
		"/stream":  {200, text("text/plain"), "part 1\npart 2\n"},
		"/big?1":   {200, text("application/octet-stream"), strings.Repeat("x", 1<<20)},
		"/trap":    {502, http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}}, "502 Bad Gateway: the sandbox trapped: unreachable\n"},
		"/hello?b": {200, text("text/plain"), "hello from C: b\n"},
		"/truncated": {502, http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"}},
			"502 Bad Gateway: invalid CGI response: the guest ended before the blank line that ends the CGI head\n"},
	}
	paths := make([]string, 0, len(cases))
	for p := range cases {
		paths = append(paths, p)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3 * len(paths) {
				path := paths[(i+w)%len(paths)]
				status, header, body := do(t, mustRequest(t, http.MethodGet, srv.URL+path, nil))
				header.Del("Content-Length")
				if date := header.Values("Date"); len(date) != 1 {
					t.Errorf("%s: Date %q, want one", path, date)
				} else if _, err := http.ParseTime(date[0]); err != nil {
					t.Errorf("%s: Date: %v", path, err)
				}
				header.Del("Date")
				want := cases[path]
				if status != want.status || body != want.body || !reflect.DeepEqual(header, want.header) {
					if len(body) > 100 {
						body = body[:100] + "..."
					}
					t.Errorf("%s: %d %v %q, want %d %v", path, status, header, body, want.status, want.header)
				}
			}
		}()
	}
	wg.Wait()
}
