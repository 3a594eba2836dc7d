package testsuite

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSpecDirRelativeToRepoRoot(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s holds no go.mod: %v", root, err)
	}
	// Relative to the working directory (this package's folder) this path
	// would not exist; relative to the repository root it is this folder.
	t.Setenv(EnvVar, filepath.Join("internal", "testsuite"))
	got, err := SpecDir()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got != wd || !filepath.IsAbs(got) {
		t.Errorf("SpecDir = %q, want %q", got, wd)
	}
}

func TestSpecDirAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	if got, err := SpecDir(); err != nil || got != filepath.Clean(dir) {
		t.Errorf("SpecDir = %q, %v; want %q", got, err, dir)
	}
}

func TestSpecDirAbsent(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{missing, file} {
		t.Setenv(EnvVar, dir)
		got, err := SpecDir()
		if err == nil {
			t.Fatalf("SpecDir = %q for %s, want an error", got, dir)
		}
		if msg := err.Error(); !strings.Contains(msg, EnvVar) || !strings.Contains(msg, dir) {
			t.Errorf("error %q does not name %s and the path looked at", msg, EnvVar)
		}
	}
	// Spec skips with the same message.
	var skipped bool
	t.Run("Spec", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Spec(t)
		t.Error("Spec returned for an absent suite")
	})
	if !skipped {
		t.Error("Spec did not skip")
	}
}

func TestSpecDirDefault(t *testing.T) {
	t.Setenv(EnvVar, "")
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "..", "shared", "spectest", "v2", "json")
	got, err := SpecDir()
	if err != nil {
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), EnvVar) {
			t.Errorf("error %q does not name %s and %s", err, want, EnvVar)
		}
		return
	}
	if got != want {
		t.Errorf("SpecDir = %q, want %q", got, want)
	}
}

func TestStripCustoms(t *testing.T) {
	header := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	typeSec := []byte{1, 4, 1, 0x60, 0, 0}
	// a custom section whose size takes a two-byte LEB128
	custom := append([]byte{0, 0x81, 0x01, 4, 'n', 'a', 'm', 'e'}, make([]byte, 124)...)
	funcSec := []byte{3, 2, 1, 0}
	var in []byte
	for _, part := range [][]byte{header, custom, typeSec, custom, funcSec, custom} {
		in = append(in, part...)
	}
	want := append(append(append([]byte(nil), header...), typeSec...), funcSec...)
	if got := StripCustoms(in); !bytes.Equal(got, want) {
		t.Errorf("StripCustoms = %x, want %x", got, want)
	}
}
