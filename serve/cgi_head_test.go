package serve

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestParseHead(t *testing.T) {
	for _, tc := range []struct {
		head   string
		status int
		header http.Header
		err    string
	}{
		{"Content-Type: text/plain\n\n", 200, http.Header{"Content-Type": {"text/plain"}}, ""},
		{"content-type:text/plain\r\n\r\n", 200, http.Header{"Content-Type": {"text/plain"}}, ""},
		{"Status: 404 Not Found\nContent-Type: a/b\n\n", 404, http.Header{"Content-Type": {"a/b"}}, ""},
		{"Status: 204\n\n", 204, http.Header{}, ""},
		{"Location: /x\n\n", 302, http.Header{"Location": {"/x"}}, ""},
		{"Location: /x\nStatus: 301\n\n", 301, http.Header{"Location": {"/x"}}, ""},
		{"Content-Type: a/b\nX-A: 1\nx-a: 2\nConnection: close\nKeep-Alive: 1\nUpgrade: h2c\n\n", 200,
			http.Header{"Content-Type": {"a/b"}, "X-A": {"1", "2"}}, ""},
		{"X-B: 1\nContent-Type: a/b\nX-A: 1\nX-B: 2\ncontent-type: c/d\nX-A: 2\nX-B: 3\n\n", 200,
			http.Header{"Content-Type": {"c/d"}, "X-A": {"1", "2"}, "X-B": {"1", "2", "3"}}, ""},
		{"\n", 0, nil, "no header lines"},
		{"X-A: 1\n\n", 0, nil, "no Content-Type, Location or Status"},
		{"Content-Type a/b\n\n", 0, nil, "has no colon"},
		{"Content Type: a/b\n\n", 0, nil, "invalid header name"},
		{": a/b\n\n", 0, nil, "invalid header name"},
		{"Content-Type: a/b\x00\n\n", 0, nil, "control character"},
		{"Content-Type: a/b\nX-A: \x1b[31m\n\n", 0, nil, "control character"},
		{"Status: 99\n\n", 0, nil, "invalid Status"},
		{"Status: 101 Switching\n\n", 0, nil, "invalid Status"},
		{"Status: 600\n\n", 0, nil, "invalid Status"},
		{"Status: abc\n\n", 0, nil, "invalid Status"},
		{"Status: 200\nStatus: 500\n\n", 0, nil, "more than one Status"},
		{"Location: /a\nLocation: /b\n\n", 0, nil, "more than one Location"},
	} {
		if n := endOfHead([]byte(tc.head + "body")); n != len(tc.head) {
			t.Errorf("endOfHead(%q) = %d, want %d", tc.head, n, len(tc.head))
			continue
		}
		// Parsed, then through a handler's cache: a miss, which keeps
		// a valid head, then hits, which share the cache's values: a
		// response adding to its header's values leaves the next one's
		// as they were.
		var cache headCache
		for i, parse := range []func([]byte, []field) (head, error){parseHead, cache.parse, cache.parse, cache.parse} {
			h, err := parse([]byte(tc.head), nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%q (%d): error %v, want %q", tc.head, i, err, tc.err)
				}
				continue
			}
			got := http.Header{}
			h.apply(got)
			if err != nil || h.status != tc.status || !equalHeader(got, tc.header) {
				t.Errorf("%q (%d): %d %v %v, want %d %v", tc.head, i, h.status, got, err, tc.status, tc.header)
			}
			for key := range got {
				got.Add(key, "added")
			}
		}
		if p := cache.last.Load(); (p != nil) != (tc.err == "") {
			t.Errorf("%q: cached %v", tc.head, p)
		}
	}
}

// TestHeadCacheMisses: a head that differs from the cached one is parsed
// afresh, and replaces it only once in headCacheEvery misses.
func TestHeadCacheMisses(t *testing.T) {
	var cache headCache
	var heads []string
	for i := range 2*headCacheEvery + 1 {
		text := fmt.Sprintf("Content-Type: a/b\nX-N: %d\n\n", i)
		heads = append(heads, text)
		h, err := cache.parse([]byte(text), nil)
		if err != nil || h.status != 200 || len(h.fields) != 2 || h.fields[1] != (field{"X-N", fmt.Sprint(i)}) {
			t.Fatalf("%d: %+v %v", i, h, err)
		}
		kept := heads[i/headCacheEvery*headCacheEvery]
		if got := cache.last.Load().text; got != kept {
			t.Fatalf("after %d misses the cache holds %q, want %q", i+1, got, kept)
		}
	}
}

func equalHeader(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}

func TestEndOfHeadIncomplete(t *testing.T) {
	for _, s := range []string{"", "Content-Type: a/b", "Content-Type: a/b\n", "Content-Type: a/b\r\n\r"} {
		if n := endOfHead([]byte(s)); n != -1 {
			t.Errorf("endOfHead(%q) = %d, want -1", s, n)
		}
	}
}
