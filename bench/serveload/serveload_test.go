package serveload

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "hello from C: %s\n", r.URL.RawQuery)
}

// TestLoadChecksEveryResponse: a correct server passes; one that answers
// a request with another request's body, or fails some, is caught.
func TestLoadChecksEveryResponse(t *testing.T) {
	var n atomic.Int64
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		errors  bool
	}{
		{"correct", hello, false},
		{"mixed up", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1)%50 == 0 {
				fmt.Fprintf(w, "hello from C: tok=0-0\n") // someone else's
				return
			}
			hello(w, r)
		}, true},
		{"failing", func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1)%50 == 0 {
				http.Error(w, "no", http.StatusBadGateway)
				return
			}
			hello(w, r)
		}, true},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			hello(w, r)
			w.(http.Flusher).Flush()
		}, false},
	} {
		srv := httptest.NewServer(tc.handler)
		res := Load{Addr: strings.TrimPrefix(srv.URL, "http://"), Conns: 8, Requests: 400, Greeting: "hello from C: ", Timeout: time.Minute}.Run()
		srv.Close()
		if res.Requests != 400 || (res.Errors > 0) != tc.errors {
			t.Errorf("%s: %v %q", tc.name, res, res.ErrorSamples)
		}
	}
}

func TestPercentiles(t *testing.T) {
	var a, b latencies
	for i := 1; i <= 100; i++ {
		if i%2 == 0 {
			a = append(a, time.Duration(i))
		} else {
			b = append(b, time.Duration(i))
		}
	}
	p50, p99, max, n := percentiles([]latencies{a, b})
	if p50 != 50 || p99 != 99 || max != 100 || n != 100 {
		t.Errorf("p50 %v p99 %v max %v n %d", p50, p99, max, n)
	}
}

func TestSandboxMaps(t *testing.T) {
	maps := `7f0000000000-7f0001000000 rw-p 00000000 00:00 0 
7f0001000000-7f0001010000 ---p 00000000 00:00 0 
7f0001010000-7f0001110000 rw-p 00000000 00:00 0 
7f0002000000-7f0003000000 rw-p 00000000 08:01 1234 /some/file
7f0004000000-7f0004800000 rw-p 00000000 00:00 0 
7febec000000-7febee000000 ---p 00000000 00:00 0 
7febee000000-7febee030000 rw-p 00000000 00:00 0 
7febee030000-7fecf0000000 ---p 00000000 00:00 0 
7fecf0000000-7fedf4000000 ---p 00000000 00:00 0 
`
	if n := sandboxMaps(maps); n != 4 {
		t.Errorf("%d sandbox mappings, want a 16 MiB memory, a 64 KiB guard and two guard-page reservations (one live, one released)", n)
	}
}

// TestGCStats: collections are counted from gctrace lines, with their
// pauses (the first and third clock phases), and Since keeps the later ones.
func TestGCStats(t *testing.T) {
	s := &Server{log: &lockedBuffer{}}
	s.log.Write([]byte(`{"msg":"serving"}
gc 1 @0.012s 2%: 0.010+1.5+0.020 ms clock, 0.020+0.1/1.0/0+0.040 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
`))
	before := s.GCStats()
	s.log.Write([]byte("gc 2 @0.500s 1%: 0.100+2.0+0.300 ms clock, 0.2+0/0/0+0.6 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\nnot a gc line\n"))
	all := s.GCStats()
	if all.Count() != 2 {
		t.Fatalf("%d collections, want 2", all.Count())
	}
	round := all.Since(before)
	sum, longest := round.Pause()
	if round.Count() != 1 || sum != 400*time.Microsecond || longest != 400*time.Microsecond {
		t.Errorf("since the first: %d collections, pauses %v (longest %v), want 1, 400µs", round.Count(), sum, longest)
	}
}
