package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/artifact"
)

func key(i byte) [32]byte { return [32]byte{i} }

// TestPutReplacesAtomically: Put leaves one entry at Path(key), private, with
// no temporary file; a second Put replaces it.
func TestPutReplacesAtomically(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "c"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"first", "second"} {
		if err := c.Put(key(1), []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(c.Path(key(1)))
		if err != nil || string(got) != content {
			t.Fatalf("entry holds %q, %v", got, err)
		}
	}
	des, _ := os.ReadDir(c.Dir())
	if len(des) != 1 {
		t.Fatalf("cache directory holds %d files", len(des))
	}
	fi, _ := os.Stat(c.Path(key(1)))
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("entry mode %v, want private", fi.Mode())
	}
}

// TestEvictLeastRecentlyUsed: past the cap, the entries used longest ago go
// first, down to 90% of the cap; the entry just written stays; stale
// temporary files go too.
func TestEvictLeastRecentlyUsed(t *testing.T) {
	c, err := Open(t.TempDir(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-time.Hour)
	for i := range byte(4) {
		if err := c.Put(key(i), bytes.Repeat([]byte{i}, 200)); err != nil {
			t.Fatal(err)
		}
		when := base.Add(time.Duration(i) * time.Minute)
		os.Chtimes(c.Path(key(i)), when, when)
	}
	c.Touch(c.Path(key(0))) // used just now: the newest
	stale := filepath.Join(c.Dir(), tempPrefix+"left-behind")
	os.WriteFile(stale, []byte("x"), 0o600)
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(stale, old, old)
	fresh := filepath.Join(c.Dir(), tempPrefix+"in-progress")
	os.WriteFile(fresh, []byte("x"), 0o600)

	// 4×200 + 300 = 1100 > 1000: evict down to 900, oldest first.
	if err := c.Put(key(9), bytes.Repeat([]byte{9}, 300)); err != nil {
		t.Fatal(err)
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for i, want := range map[byte]bool{0: true, 1: false, 2: true, 3: true, 9: true} {
		if got := exists(c.Path(key(i))); got != want {
			t.Errorf("entry %d present %v, want %v", i, got, want)
		}
	}
	if exists(stale) || !exists(fresh) {
		t.Errorf("stale temp present %v (want false), fresh temp present %v (want true)", exists(stale), exists(fresh))
	}
	if n, _ := c.Size(); n > 1000 {
		t.Errorf("cache holds %d bytes, cap 1000", n)
	}
	// An entry larger than the cap is still kept while it is the newest.
	if err := c.Put(key(10), bytes.Repeat([]byte{1}, 2000)); err != nil {
		t.Fatal(err)
	}
	if !exists(c.Path(key(10))) {
		t.Error("the entry just written was evicted")
	}
}

// TestKeySeparatesEverything: every input of Key changes it.
func TestKeySeparatesEverything(t *testing.T) {
	tgt := artifact.Target{Arch: "amd64", CPU: []string{"avx"}, Settings: []artifact.Setting{{Key: "a", Value: "1"}}}
	base := Key([32]byte{1}, "v1 x", tgt)
	variants := map[string][32]byte{
		"module": Key([32]byte{2}, "v1 x", tgt),
		"build":  Key([32]byte{1}, "v1 y", tgt),
		"arch":   Key([32]byte{1}, "v1 x", artifact.Target{Arch: "arm64", CPU: tgt.CPU, Settings: tgt.Settings}),
		"cpu":    Key([32]byte{1}, "v1 x", artifact.Target{Arch: "amd64", Settings: tgt.Settings}),
		"value":  Key([32]byte{1}, "v1 x", artifact.Target{Arch: "amd64", CPU: tgt.CPU, Settings: []artifact.Setting{{Key: "a", Value: "2"}}}),
		"split":  Key([32]byte{1}, "v1 x", artifact.Target{Arch: "amd64", CPU: tgt.CPU, Settings: []artifact.Setting{{Key: "a1", Value: ""}}}),
	}
	for name, k := range variants {
		if k == base {
			t.Errorf("changing the %s does not change the key", name)
		}
	}
	if !strings.HasSuffix(filepath.Base((&Cache{dir: "d"}).Path(base)), ".cwasm") {
		t.Error("entries are not named .cwasm")
	}
}

// TestOpenRefuses: no directory, a file in its place, a negative cap, and a
// directory others may write.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o700)
	os.Chmod(shared, 0o775)
	for name, tc := range map[string]struct {
		dir string
		max int64
	}{"empty": {"", 0}, "file": {file, 0}, "negative cap": {dir, -1}, "group-writable": {shared, 0}} {
		if _, err := Open(tc.dir, tc.max); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
