package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/cmd/moat/internal/oci"
	"github.com/moat-run/moat/cmd/moat/internal/oci/ocitest"
	"github.com/moat-run/moat/cmd/moat/internal/server"
)

// TestPushPullServe: moat push puts a module in a real registry, moat pull
// brings it back, and moat serve serves it by digest, also once the
// registry is gone (from its store).
func TestPushPullServe(t *testing.T) {
	host, stopRegistry := ocitest.Start(t, false)
	code, out, errOut := runMoat(t, "push", "--plain-http", cgiGuest(), host+"/moat/cgi:v1")
	if code != exitOK {
		t.Fatalf("push: exit %d: %s", code, errOut)
	}
	pinned := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "pushed "))
	if !strings.HasPrefix(pinned, host+"/moat/cgi@sha256:") {
		t.Fatalf("push printed %q", out)
	}

	store := t.TempDir()
	pulled := filepath.Join(t.TempDir(), "cgi.wasm")
	code, out, errOut = runMoat(t, "pull", "--plain-http", "--store", store, "-o", pulled, host+"/moat/cgi:v1")
	if code != exitOK || !strings.Contains(out, "pulled "+pinned+"\n") {
		t.Fatalf("pull: exit %d: %s%s", code, out, errOut)
	}
	orig, _ := os.ReadFile(cgiGuest())
	if got, _ := os.ReadFile(pulled); !bytes.Equal(got, orig) {
		t.Error("the pulled module differs from the pushed one")
	}

	serveOnce := func() {
		cfg := filepath.Join(t.TempDir(), "moat.json")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`{"plain_http": true, "routes": [{"path": "/", "module": "oci://%s"}]}`, pinned)), 0o644)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- server.Run(ctx, server.Options{ConfigFile: cfg, Listener: ln, StoreDir: store,
				Defaults: serveDefaults, DrainTimeout: time.Minute, Started: func(string, string) { close(started) }})
		}()
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("serve: %v", err)
		}
		resp, err := http.Get("http://" + ln.Addr().String() + "/hello?oci")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello from C: oci\n" {
			t.Errorf("served %q", body)
		}
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	serveOnce()
	stopRegistry()
	serveOnce() // from the store alone
}

// TestPushRefuses: moat push refuses a module that does not compile, and
// a registry that wants credentials gets those of the Docker
// configuration.
func TestPushRefuses(t *testing.T) {
	host, _ := ocitest.Start(t, true)
	bad := filepath.Join(t.TempDir(), "bad.wasm")
	os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00\x0a"), 0o644)
	if code, _, errOut := runMoat(t, "push", "--plain-http", bad, host+"/moat/bad:v1"); code != exitFailure || !strings.Contains(errOut, "malformed") {
		t.Errorf("a bad module: exit %d, %q", code, errOut)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	if code, _, errOut := runMoat(t, "push", "--plain-http", cgiGuest(), host+"/moat/cgi:v1"); code != exitFailure || !strings.Contains(errOut, "credential not found") {
		t.Errorf("no credentials: exit %d, %q", code, errOut)
	}
	auth := base64.StdEncoding.EncodeToString([]byte(ocitest.HtpasswdUser + ":" + ocitest.HtpasswdPassword))
	os.WriteFile(filepath.Join(os.Getenv("DOCKER_CONFIG"), "config.json"), []byte(fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, auth)), 0o600)
	if code, _, errOut := runMoat(t, "push", "--plain-http", cgiGuest(), host+"/moat/cgi:v1"); code != exitOK {
		t.Errorf("with credentials: exit %d, %q", code, errOut)
	}
}

// TestPushArtifactServe: a compiled artifact travels beside its module;
// moat serve loads it only with --allow-precompiled, and only when it was
// compiled from that very module: a registry that pairs the pinned module
// with another module's code gets the module compiled instead.
func TestPushArtifactServe(t *testing.T) {
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skipf("no compiler on this platform: %v", err)
	}
	host, _ := ocitest.Start(t, false)
	dir := t.TempDir()
	own, other := filepath.Join(dir, "cgi.cwasm"), filepath.Join(dir, "other.cwasm")
	otherWat := filepath.Join(dir, "other.wat")
	os.WriteFile(otherWat, []byte(`(module (func (export "_start")))`), 0o644)
	for _, c := range [][2]string{{cgiGuest(), own}, {otherWat, other}} {
		if code, _, errOut := runMoat(t, "compile", "-o", c[1], c[0]); code != exitOK {
			t.Fatalf("compile %s: %s", c[0], errOut)
		}
	}
	if code, _, errOut := runMoat(t, "push", "--plain-http", "--artifact", other, cgiGuest(), host+"/moat/cgi:bad"); code != exitFailure || !strings.Contains(errOut, "compiled from another module") {
		t.Errorf("push with another module's artifact: exit %d, %q", code, errOut)
	}
	code, out, errOut := runMoat(t, "push", "--plain-http", "--artifact", own, cgiGuest(), host+"/moat/cgi:v1")
	if code != exitOK {
		t.Fatalf("push: %s", errOut)
	}
	pinned := strings.TrimPrefix(strings.SplitN(out, "\n", 2)[0], "pushed ")

	// A registry (or whoever pushed) pairing the module with other code.
	module, _ := os.ReadFile(cgiGuest())
	otherArtifact, _ := os.ReadFile(other)
	swapped, err := oci.Push(context.Background(), host+"/moat/cgi:swapped",
		oci.PushInput{Module: module, Title: "cgi.wasm", Artifact: otherArtifact, Created: time.Unix(0, 0)}, oci.Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		ref             string
		allow           bool
		wantPrecompiled bool
		wantWarning     string
	}{
		{pinned, false, false, ""},
		{pinned, true, true, ""},
		{swapped.Pinned, true, false, "compiled from another module"},
	} {
		var log lockedBuffer
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- server.Run(ctx, server.Options{Module: "oci://" + c.ref, PlainHTTP: true, Listener: ln, StoreDir: t.TempDir(),
				AllowPrecompiled: c.allow, Defaults: serveDefaults, DrainTimeout: time.Minute, Log: &log,
				Started: func(string, string) { close(started) }})
		}()
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("serve %s: %v", c.ref, err)
		}
		resp, err := http.Get("http://" + ln.Addr().String() + "/hello?art")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello from C: art\n" {
			t.Errorf("%s (allow %v): served %q", c.ref, c.allow, body)
		}
		serving := waitRecord(t, &log, "serving")
		if got := serving["routes"].([]any)[0].(map[string]any)["precompiled"]; got != c.wantPrecompiled {
			t.Errorf("%s (allow %v): precompiled %v, want %v", c.ref, c.allow, got, c.wantPrecompiled)
		}
		if c.wantWarning != "" {
			if w := waitRecord(t, &log, "compiling the module instead of loading its artifact"); !strings.Contains(w["reason"].(string), c.wantWarning) {
				t.Errorf("warning %v", w)
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
