package serve_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moat-run/moat/serve"
)

// TestCGIEnvironment checks argv and the environment the C guest sees,
// variable by variable, for a request below the handler's root.
func TestCGIEnvironment(t *testing.T) {
	for _, kind := range engines(t) {
		t.Run(kind.String(), func(t *testing.T) {
			srv, _, _ := server(t, serve.Config{
				Module: cModule(t, kind),
				Root:   "/app/",
				Env:    []string{"GREETING=hi", "HTTP_X_TENANT=acme", "SERVER_SOFTWARE=edge"}, // the last overrides one of the handler's prebuilt variables
			})
			req := mustRequest(t, http.MethodPost, srv.URL+"/app/env/a%2Fb?x=1&y=%20z", strings.NewReader("body!"))
			req.Header.Set("Content-Type", "text/plain")
			req.Header.Set("X-Tenant", "evil")               // the route's HTTP_X_TENANT wins
			req.Header.Set("Proxy", "http://attacker:3128/") // never HTTP_PROXY
			req.Header.Set("X_Under", "dropped")             // would pass for X-Under
			req.Header.Add("X-Multi", "one")
			req.Header.Add("X-Multi", "two")
			req.Header.Add("Cookie", "a=1")
			req.Header.Add("Cookie", "b=2")
			req.Host = "example.test:8443"
			status, _, body := do(t, req)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			got := map[string][]string{}
			var args []string
			for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
				if strings.HasPrefix(line, "argv[") {
					_, v, _ := strings.Cut(line, "=")
					args = append(args, v)
					continue
				}
				k, v, _ := strings.Cut(line, "=")
				got[k] = append(got[k], v)
			}
			if want := []string{"/app/env/a/b", "x=1", "y=%20z"}; strings.Join(args, "|") != strings.Join(want, "|") {
				t.Errorf("argv = %q, want %q", args, want)
			}
			want := map[string]string{
				"GATEWAY_INTERFACE": "CGI/1.1",
				"SERVER_SOFTWARE":   "edge",
				"SERVER_NAME":       "example.test",
				"SERVER_PORT":       "8443",
				"SERVER_PROTOCOL":   "HTTP/1.1",
				"REQUEST_METHOD":    "POST",
				"REQUEST_URI":       "/app/env/a%2Fb?x=1&y=%20z",
				"SCRIPT_NAME":       "/app",
				"PATH_INFO":         "/env/a/b",
				"PATH_TRANSLATED":   "/env/a/b",
				"QUERY_STRING":      "x=1&y=%20z",
				"REMOTE_ADDR":       "127.0.0.1",
				"REMOTE_HOST":       "127.0.0.1",
				"AUTH_TYPE":         "",
				"REMOTE_USER":       "",
				"CONTENT_LENGTH":    "5",
				"CONTENT_TYPE":      "text/plain",
				"X_MATCHED_ROUTE":   "/app/...",
				"X_FULL_URL":        "http://example.test:8443/app/env/a%2Fb?x=1&y=%20z",
				"X_RAW_PATH_INFO":   "/env/a%2Fb",
				"X_RELATIVE_PATH":   "env/a/b",
				"HTTP_HOST":         "example.test:8443",
				"HTTP_X_MULTI":      "one, two",
				"HTTP_COOKIE":       "a=1; b=2",
				"HTTP_X_TENANT":     "acme",
				"GREETING":          "hi",
			}
			for k, v := range want {
				if len(got[k]) != 1 || got[k][0] != v {
					t.Errorf("%s = %q, want exactly one %q", k, got[k], v)
				}
			}
			if len(got["REMOTE_PORT"]) != 1 || got["REMOTE_PORT"][0] == "" {
				t.Errorf("REMOTE_PORT = %q", got["REMOTE_PORT"])
			}
			for _, absent := range []string{"HTTP_PROXY", "HTTP_X_UNDER", "HTTPS", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"} {
				if v, ok := got[absent]; ok {
					t.Errorf("%s = %q, want it unset", absent, v)
				}
			}
			known := len(want) + 1 // REMOTE_PORT
			extra := []string{}
			for k := range got {
				if _, ok := want[k]; !ok && k != "REMOTE_PORT" && !strings.HasPrefix(k, "HTTP_") {
					extra = append(extra, k)
				}
			}
			if len(extra) > 0 {
				t.Errorf("unexpected variables %q (%d expected)", extra, known)
			}
		})
	}
}

// TestRootPaths: PATH_INFO and SCRIPT_NAME for a root handler and for
// paths that only look like they are under the root.
func TestRootPaths(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	for _, tc := range []struct {
		root, path, script, info string
	}{
		{"", "/env", "", "/env"},
		{"/", "/env", "", "/env"},
		{"/app", "/app", "/app", ""},
		{"/app", "/appendix/env", "/app", "/appendix/env"},
	} {
		srv, _, _ := server(t, serve.Config{Module: mod, Root: tc.root, Env: []string{"CGI_MODE=/env"}})
		_, _, body := get(t, srv.URL+tc.path+"?x")
		if !strings.Contains(body, "\nSCRIPT_NAME="+tc.script+"\n") || !strings.Contains(body, "\nPATH_INFO="+tc.info+"\n") {
			t.Errorf("root %q, path %q: want SCRIPT_NAME=%q PATH_INFO=%q in\n%s", tc.root, tc.path, tc.script, tc.info, body)
		}
	}
}

// TestManyHeaders: every header of a request with more of them than the
// environment builder keeps room for up front becomes its variable,
// once, with its value, after the CGI variables.
func TestManyHeaders(t *testing.T) {
	srv, _, _ := server(t, serve.Config{Module: cModule(t, engines(t)[0])})
	req := mustRequest(t, http.MethodGet, srv.URL+"/env", nil)
	const n = 70
	for i := range n {
		req.Header.Set(fmt.Sprintf("X-H%02d", i), fmt.Sprintf("v%d", i))
	}
	status, _, body := do(t, req)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	var got []string
	for _, line := range lines {
		if strings.HasPrefix(line, "HTTP_X_H") {
			got = append(got, line)
		}
	}
	if len(got) != n {
		t.Fatalf("%d HTTP_X_H* variables, want %d:\n%s", len(got), n, body)
	}
	for i, line := range got {
		if want := fmt.Sprintf("HTTP_X_H%02d=v%d", i, i); line != want {
			t.Errorf("variable %d: %q, want %q", i, line, want)
		}
	}
	if !strings.Contains(body, "\nGATEWAY_INTERFACE=CGI/1.1\n") || !strings.Contains(body, "\nX_MATCHED_ROUTE=/...\n") {
		t.Errorf("CGI variables missing:\n%s", body)
	}
}

// TestServerPortFromConnection: a request whose Host has no port gets
// SERVER_PORT from the address it came in on, whichever of the handler's
// listeners that was (the handler keeps the last port's text).
func TestServerPortFromConnection(t *testing.T) {
	_, h, _ := server(t, serve.Config{Module: cModule(t, engines(t)[0])})
	var srvs []*httptest.Server
	for range 2 {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		srvs = append(srvs, srv)
	}
	for round := range 2 {
		for _, srv := range append(srvs, srvs[0]) {
			req := mustRequest(t, http.MethodGet, srv.URL+"/env", nil)
			req.Host = "example.test"
			status, _, body := do(t, req)
			_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
			if status != http.StatusOK || !strings.Contains(body, "\nSERVER_PORT="+port+"\n") || !strings.Contains(body, "\nSERVER_NAME=example.test\n") {
				t.Errorf("round %d, %s: status %d, want SERVER_PORT=%s in\n%s", round, srv.URL, status, port, body)
			}
		}
	}
}

// TestEnvWithNUL: a route variable or server software holding a NUL byte
// (which WASI cannot pass) is refused when the handler is made, not at
// every request.
func TestEnvWithNUL(t *testing.T) {
	mod := cModule(t, engines(t)[0])
	for _, cfg := range []serve.Config{
		{Module: mod, Env: []string{"A=x\x00y"}},
		{Module: mod, ServerSoftware: "moat\x00"},
	} {
		if _, err := serve.New(cfg); err == nil || !strings.Contains(err.Error(), "NUL") {
			t.Errorf("New(%q, %q): %v, want an error about the NUL byte", cfg.Env, cfg.ServerSoftware, err)
		}
	}
}
