package serve_test

import (
	"net/http"
	"strings"
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
