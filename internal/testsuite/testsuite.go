package testsuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	const hint = "set " + EnvVar + " to the suite's v2/json folder (absolute, or relative to the repository root)"
	dir := os.Getenv(EnvVar)
	source := "the default " + filepath.ToSlash(defaultSpec) + ", relative to the repository root"
	switch {
	case filepath.IsAbs(dir):
		source = "from " + EnvVar
	case dir != "":
		source = fmt.Sprintf("from %s=%q, relative to the repository root", EnvVar, dir)
	default:
		dir = defaultSpec
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
