// Package ocitest starts a real OCI registry for tests: the CNCF
// distribution registry as Debian packages it (docker-registry), or its
// upstream binary (registry), on a loopback port, storing in a temporary
// directory.
//
// When neither binary is installed, tests skip with a message saying how
// to install it, unless $CI is set: then they fail, since CI installs it
// (.ci/run).
package ocitest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// HtpasswdUser and HtpasswdPassword are the account of a registry started
// with auth: "moat" and "secret" (the bcrypt hash below is of "secret").
const (
	HtpasswdUser     = "moat"
	HtpasswdPassword = "secret"
	htpasswdLine     = "moat:$2b$05$4EnSHCPkda/8rBSCkm7k3OOjSy0Dd5z08xI4B2qQYReFG0OTugi/6\n"
)

// binary finds the registry program.
func binary(t testing.TB) string {
	for _, name := range []string{"docker-registry", "registry"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no OCI registry binary (docker-registry or registry) on PATH: apt-get install docker-registry"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set, so .ci/run should have installed it)")
	}
	t.Skip(msg)
	return ""
}

// Start runs a registry until the test ends (or stop is called) and
// returns its host:port. With auth, it requires HtpasswdUser's basic
// credentials.
func Start(t testing.TB, auth bool) (addr string, stop func()) {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close() // the registry binds it; another process could take it first, rarely
	authConfig := ""
	if auth {
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(htpasswdLine), 0o600); err != nil {
			t.Fatal(err)
		}
		authConfig = fmt.Sprintf("auth:\n  htpasswd:\n    realm: moat-test\n    path: %s\n", htpasswd)
	}
	config := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "storage"), addr, authConfig)
	configPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", configPath)
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
			logFile.Close()
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return addr, stop
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the registry exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the registry did not start on %s:\n%s", addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
