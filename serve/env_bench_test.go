package serve

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCGIEnv is one request's environment, as a load generator's
// request makes it (a Host and a User-Agent header).
func BenchmarkCGIEnv(b *testing.B) {
	h := &Handler{cfg: Config{ServerSoftware: "moat"}, envNames: map[string]bool{}}
	h.staticEnv()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/hello?tok=1", nil)
	r.Header.Set("User-Agent", "serveload")
	var env []string
	var text []byte
	b.ReportAllocs()
	for b.Loop() {
		env, text = h.cgiEnv(env, text, r)
	}
}
