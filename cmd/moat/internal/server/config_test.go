package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "moat.json")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	p := writeConfig(t, dir, `{
  "plain_http": true,
  "routes": [
    {"path": "/a", "module": "a.wasm", "env": {"K": "V", "A": "B"}, "dirs": [{"host": "static", "guest": "/s"}],
     "timeout": "1.5s", "max_memory": "64MiB", "max_concurrent": 3, "queue_timeout": 2, "max_request_body": 1000,
     "keep_resident": "4MiB"},
    {"path": "/", "module": "oci://r.example/x@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
  ]
}`)
	f, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Routes[0]
	if !f.PlainHTTP || a.Module != filepath.Join(dir, "a.wasm") || a.Dirs[0].Host != filepath.Join(dir, "static") ||
		time.Duration(a.Timeout) != 1500*time.Millisecond || a.MaxMemory != 64<<20 || a.MaxConcurrent != 3 ||
		time.Duration(a.QueueTimeout) != 2*time.Second || a.MaxRequestBody != 1000 || a.KeepResident != 4<<20 {
		t.Errorf("route a: %+v", a)
	}
	if env := a.envList(); strings.Join(env, ",") != "A=B,K=V" {
		t.Errorf("env %q", env)
	}
	if f.Routes[1].Module[:6] != "oci://" {
		t.Errorf("an oci:// module became %q", f.Routes[1].Module)
	}
}

func TestLoadFileRefuses(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{`{"routes": [{"path": "/", "module": "a.wasm", "timout": "1s"}]}`, `unknown field "timout"`},
		{"{\"routes\": [\n {\"path\": \"/\", \"module\": 5}]}", "line 2, column"},
		{`{"routes": []}`, "no routes"},
		{`{"routes": [{"path": "a", "module": "a.wasm"}]}`, "does not start with /"},
		{`{"routes": [{"path": "/a/", "module": "a.wasm"}]}`, "ends with /"},
		{`{"routes": [{"path": "/a?x", "module": "a.wasm"}]}`, "not a plain path"},
		{`{"routes": [{"path": "/healthz", "module": "a.wasm"}]}`, "the server's own"},
		{`{"routes": [{"path": "/a", "module": "a.wasm"}, {"path": "/a", "module": "b.wasm"}]}`, "appears twice"},
		{`{"routes": [{"path": "/a"}]}`, "no module"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "env": {"A=B": "x"}}]}`, "invalid environment variable name"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "dirs": [{"host": "x", "guest": "rel"}]}]}`, "absolute guest path"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "max_memory": "1KiB"}]}`, "less than one 64 KiB page"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "max_memory": "5GiB"}]}`, "over 4 GiB"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "max_memory": "lots"}]}`, "invalid size"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "timeout": "soon"}]}`, "invalid duration"},
		{`{"routes": [{"path": "/a", "module": "a.wasm", "max_concurrent": -1}]}`, "negative max_concurrent"},
		{`{"routes": [{"path": "/a", "module": "a.wasm"}]} {}`, "more than one JSON value"},
	} {
		_, err := LoadFile(writeConfig(t, t.TempDir(), tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want %q", tc.text, err, tc.err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "4096": 4096, "64MiB": 64 << 20, "10MB": 10e6, "1GiB": 1 << 30, "512 KiB": 512 << 10, "2G": 2 << 30} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "99999999999999999999", "8EiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

func TestTableMatch(t *testing.T) {
	tab := &table{}
	for _, p := range []string{"/a/b", "/a", "/"} {
		tab.routes = append(tab.routes, &route{path: p})
	}
	for path, want := range map[string]string{
		"/a": "/a", "/a/": "/a", "/a/x": "/a", "/ab": "/", "/a/b": "/a/b", "/a/b/c": "/a/b", "/a/bc": "/a", "/": "/", "/z": "/",
	} {
		if r := tab.match(path); r == nil || r.path != want {
			t.Errorf("match(%q) = %v, want %s", path, r, want)
		}
	}
	if r := (&table{routes: tab.routes[:2]}).match("/z"); r != nil {
		t.Errorf("without /, /z matched %s", r.path)
	}
}
