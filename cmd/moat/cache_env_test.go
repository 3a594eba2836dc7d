package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain points the user cache directory ($XDG_CACHE_HOME, which
// os.UserCacheDir reads) at a temporary folder, so that `moat run`'s
// default compilation cache never touches the real one during tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "moat-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The go commands tests run (TestDockerfileBuild) keep the real build
	// cache, which Go also finds through the user cache directory.
	if os.Getenv("GOCACHE") == "" {
		if user, err := os.UserCacheDir(); err == nil {
			os.Setenv("GOCACHE", filepath.Join(user, "go-build"))
		}
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
