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
