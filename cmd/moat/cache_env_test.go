package main

import (
	"fmt"
	"os"
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
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
