package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

// compiledGuest compiles the C guest with the compiler and returns its
// artifact (signed by key when key is set), skipping where there is no
// compiler.
func compiledGuest(t *testing.T, key ed25519.PrivateKey) []byte {
	t.Helper()
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler})
	if err != nil {
		t.Skipf("no compiler on this platform: %v", err)
	}
	bin, err := os.ReadFile(cgiWasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := e.Compile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var a []byte
	if key != nil {
		a, err = mod.SerializeSigned(key)
	} else {
		a, err = mod.Serialize()
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// startErr runs a server that is expected not to start, and returns why.
func startErr(t *testing.T, opts Options) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opts.Listener = ln
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	opts.Defaults = opts.Defaults.WithDefaults(Limits{Timeout: Duration(testTimeout), MaxMemory: 16 << 20})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.Started = func(string, string) { cancel() }
	if err := Run(ctx, opts); err != nil {
		return err
	}
	return errors.New("the server started")
}

// TestPrecompiledRoutes: a route's module may be a compiled artifact only
// with AllowPrecompiled, and only a signed one when keys are trusted, as
// in moat run.
func TestPrecompiledRoutes(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unsigned := write("cgi.cwasm", compiledGuest(t, nil))
	signed := write("cgi-signed.cwasm", compiledGuest(t, priv))
	forged := write("cgi-other.cwasm", compiledGuest(t, otherPriv))

	if err := startErr(t, Options{Module: unsigned}); err == nil || !strings.Contains(err.Error(), "--allow-precompiled") {
		t.Errorf("an artifact without AllowPrecompiled: %v", err)
	}
	for _, c := range []struct {
		module string
		keys   []ed25519.PublicKey
		want   string // "" serves
	}{
		{unsigned, nil, ""},
		{signed, nil, ""},
		{signed, []ed25519.PublicKey{pub}, ""},
		{unsigned, []ed25519.PublicKey{pub}, "signature"},
		{forged, []ed25519.PublicKey{pub}, "signature"},
	} {
		opts := Options{Module: c.module, AllowPrecompiled: true, EngineConfig: moat.Config{TrustedKeys: c.keys}}
		if c.want != "" {
			if err := startErr(t, opts); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s with %d trusted keys: %v, want an error naming %q", filepath.Base(c.module), len(c.keys), err, c.want)
			}
			continue
		}
		s := start(t, opts)
		if code, body := get(t, s.url+"/hello?pre"); code != 200 || body != "hello from C: pre\n" {
			t.Errorf("%s: %d %q", filepath.Base(c.module), code, body)
		}
		serving := findRecord(t, s.log, "serving")
		if routes := serving["routes"].([]any); routes[0].(map[string]any)["precompiled"] != true {
			t.Errorf("%s: serving record %v does not say precompiled", filepath.Base(c.module), serving)
		}
		s.stop(t)
	}
}

// TestCompilationCache: with a cache directory, what a route compiled is
// kept there, and a server started again serves from it.
func TestCompilationCache(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("no compiler on this platform: %v", err)
	}
	cache := filepath.Join(t.TempDir(), "compiled")
	for round := range 2 {
		s := start(t, Options{Module: cgiWasm, EngineConfig: moat.Config{CacheDir: cache}})
		if code, body := get(t, s.url+"/hello?c"); code != 200 || body != "hello from C: c\n" {
			t.Errorf("round %d: %d %q", round, code, body)
		}
		s.stop(t)
		entries, _ := filepath.Glob(filepath.Join(cache, "*"))
		if len(entries) != 1 {
			t.Errorf("round %d: cache holds %q, want one entry", round, entries)
		}
	}
	// A cache that cannot be used costs compiling, not serving.
	notDir := filepath.Join(t.TempDir(), "file")
	os.WriteFile(notDir, nil, 0o644)
	s := start(t, Options{Module: cgiWasm, EngineConfig: moat.Config{CacheDir: notDir}})
	if code, _ := get(t, s.url+"/hello?c"); code != 200 {
		t.Errorf("with an unusable cache: %d", code)
	}
	if rec := findRecord(t, s.log, "not caching compiled code"); !strings.Contains(rec["reason"].(string), "not a directory") {
		t.Errorf("warning %v", rec)
	}
}

// findRecord returns the first log record with msg.
func findRecord(t *testing.T, log *syncBuffer, msg string) map[string]any {
	t.Helper()
	for _, r := range log.records(t) {
		if r["msg"] == msg {
			return r
		}
	}
	t.Fatalf("no %q record in:\n%s", msg, log.String())
	return nil
}

// TestRouteFuel: a route with fuel meters its requests (an endless loop
// ends out of fuel, 502, long before the route's deadline; the access log
// says how much each request used), and a route without it beside it on
// the same module is not metered.
func TestRouteFuel(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf(`{"routes": [
  {"path": "/metered", "module": %q, "fuel": 1000000, "timeout": "1m"},
  {"path": "/", "module": %q, "timeout": "200ms"}
]}`, cgiWasm, cgiWasm))
	s := start(t, Options{ConfigFile: cfg})
	start := time.Now()
	if code, body := get(t, s.url+"/metered/loop"); code != 502 || !strings.Contains(body, "out of fuel") {
		t.Errorf("/metered/loop: %d %q", code, body)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("/metered/loop took %v", d)
	}
	if code, _ := get(t, s.url+"/loop"); code != 504 {
		t.Errorf("/loop (not metered): %d, want the deadline's 504", code)
	}
	if code, body := get(t, s.url+"/metered/hello?m"); code != 200 || body != "hello from C: m\n" {
		t.Errorf("/metered/hello: %d %q", code, body)
	}
	fuel := map[string]any{}
	for _, r := range s.access.records(t) {
		fuel[r["path"].(string)] = r["fuel"]
	}
	if fuel["/metered/loop"] != float64(1000000) || fuel["/loop"] != nil {
		t.Errorf("fuel in the access log: %v", fuel)
	}
	if f, ok := fuel["/metered/hello"].(float64); !ok || f <= 0 || f >= 1000000 {
		t.Errorf("/metered/hello used %v fuel", fuel["/metered/hello"])
	}
}
