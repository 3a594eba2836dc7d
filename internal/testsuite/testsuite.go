package testsuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// EnvVar names the environment variable that overrides the spec suite's
// location. A relative value is relative to the repository root.
const EnvVar = "MOAT_SPECTEST"

// defaultSpec is the spec suite's location relative to the repository root.
var defaultSpec = filepath.Join("..", "shared", "spectest", "v2", "json")

// RepoRoot returns the repository root: the nearest folder holding go.mod,
// starting from the working directory (a test's package folder) and going up.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("repository root not found: no go.mod in %s or above", wd)
		}
	}
}

// SpecDir returns the absolute path of the spec suite's v2/json folder:
// $MOAT_SPECTEST if set (a relative value is relative to the repository
// root), else ../shared/spectest/v2/json beside the repository root. The
// error, when the folder is absent, says where it looked and how to set
// MOAT_SPECTEST.
func SpecDir() (string, error) {
	return locate(EnvVar, defaultSpec, "the suite's v2/json folder")
}

// locate finds a folder of shared test data: $envVar (absolute, or
// relative to the repository root), else def relative to the root. what
// says what the variable should point at, for the error.
func locate(envVar, def, what string) (string, error) {
	hint := "set " + envVar + " to " + what + " (absolute, or relative to the repository root)"
	dir := os.Getenv(envVar)
	source := "the default " + filepath.ToSlash(def) + ", relative to the repository root"
	switch {
	case filepath.IsAbs(dir):
		source = "from " + envVar
	case dir != "":
		source = fmt.Sprintf("from %s=%q, relative to the repository root", envVar, dir)
	default:
		dir = def
	}
	if !filepath.IsAbs(dir) {
		root, err := RepoRoot()
		if err != nil {
			return "", fmt.Errorf("spec test suite not found (%s): %w; %s", source, err, hint)
		}
		dir = filepath.Join(root, dir)
	}
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = errors.New("not a folder")
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = errors.New("no such folder")
		}
		return "", fmt.Errorf("spec test suite not found at %s (%s): %v; %s", dir, source, err, hint)
	}
	return dir, nil
}

// Spec returns SpecDir's folder, or skips tb with SpecDir's error when the
// suite is absent, so every test skips with the same message.
func Spec(tb testing.TB) string {
	tb.Helper()
	dir, err := SpecDir()
	if err != nil {
		tb.Skip(err)
	}
	return dir
}

// SpecScripts returns the spec suite's scripts, sorted: wast2json's
// NAME/NAME.json files. Like Spec, it skips the test when the suite is
// absent, and also when it holds no scripts.
func SpecScripts(tb testing.TB) []string {
	tb.Helper()
	return specFiles(tb, "*.json", "spec JSON files")
}

// SpecModules returns the spec suite's .wasm files, sorted: the modules
// wast2json wrote beside each script. It skips as SpecScripts does.
func SpecModules(tb testing.TB) []string {
	tb.Helper()
	return specFiles(tb, "*.wasm", ".wasm files")
}

// specFiles lists the files matching pattern in the suite's script folders.
func specFiles(tb testing.TB, pattern, what string) []string {
	tb.Helper()
	dir := Spec(tb)
	files, err := filepath.Glob(filepath.Join(dir, "*", pattern))
	if err != nil || len(files) == 0 {
		tb.Skipf("no %s under %s", what, dir)
	}
	sort.Strings(files)
	return files
}

// StripCustoms returns the binary module b without its custom sections,
// for comparing encodings that may differ only there (names, producers).
// b must be well formed up to its last section.
func StripCustoms(b []byte) []byte {
	out := append([]byte(nil), b[:8]...)
	for pos := 8; pos < len(b); {
		start := pos
		id := b[pos]
		pos++
		var size uint64
		for shift := 0; ; shift += 7 {
			c := b[pos]
			pos++
			size |= uint64(c&0x7f) << shift
			if c < 0x80 {
				break
			}
		}
		pos += int(size)
		if id != 0 {
			out = append(out, b[start:pos]...)
		}
	}
	return out
}
