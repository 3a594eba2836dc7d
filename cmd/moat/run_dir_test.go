package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat/wasi"
)

func TestParseDir(t *testing.T) {
	for _, c := range []struct {
		arg  string
		want wasi.Preopen
	}{
		{"/srv", wasi.Preopen{Host: "/srv", Guest: "/srv"}},
		{"/srv::/data", wasi.Preopen{Host: "/srv", Guest: "/data"}},
		{"/srv::/data::ro", wasi.Preopen{Host: "/srv", Guest: "/data", ReadOnly: true}},
		{".::/", wasi.Preopen{Host: ".", Guest: "/"}},
		{".::/::ro", wasi.Preopen{Host: ".", Guest: "/", ReadOnly: true}},
		{"/srv::ro", wasi.Preopen{Host: "/srv", Guest: "ro"}}, // GUEST "ro": the mode needs all three parts
	} {
		got, err := parseDir(c.arg)
		if err != nil || got != c.want {
			t.Errorf("--dir %s: %+v, %v; want %+v", c.arg, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "::/x", "/x::", "/x::/y::", "/x::/y::rw", "/x::/y::RO", "/x::/y::ro::ro", "::/y::ro", "/x::::ro"} {
		if p, err := parseDir(bad); err == nil {
			t.Errorf("--dir %q: %+v, want an error", bad, p)
		} else if !strings.Contains(err.Error(), "HOST::GUEST::ro") {
			t.Errorf("--dir %q: error %q does not name the forms", bad, err)
		}
	}
}

// TestRunReadOnlyDir runs wasi/testdata/roescape, a C program that attacks
// a read-only directory every way it can, through `moat run --dir
// HOST::GUEST::ro`: every attempt is refused (exit 0) and the host files
// are unchanged. Without ::ro the same program gets through.
func TestRunReadOnlyDir(t *testing.T) {
	prog := filepath.Join("..", "..", "wasi", "testdata", "roescape", "roescape.wasm")
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			ro, rw := readOnlyFixture(t)
			code, out, errOut := runMoatStdin(t, "", "--engine", engine,
				"--dir", ro+"::/ro::ro", "--dir", rw+"::/rw", prog, "/ro", "/rw")
			if code != 0 || !strings.HasSuffix(out, "\n0 allowed\n") || strings.Contains(out, "ALLOWED") {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0 and every attempt refused", code, out, errOut)
			}
			checkReadOnlyFixture(t, ro)
		})
	}
	t.Run("writable", func(t *testing.T) {
		ro, rw := readOnlyFixture(t)
		code, out, _ := runMoatStdin(t, "", "--dir", ro+"::/ro", "--dir", rw+"::/rw", prog, "/ro", "/rw")
		if code == 0 || !strings.Contains(out, "ALLOWED") {
			t.Errorf("exit %d without ::ro, stdout:\n%s\nwant attempts allowed", code, out)
		}
	})
}

var fixtureTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// readOnlyFixture makes the two host directories roescape expects.
func readOnlyFixture(t *testing.T) (ro, rw string) {
	t.Helper()
	tmp := t.TempDir()
	ro, rw = filepath.Join(tmp, "ro"), filepath.Join(tmp, "rw")
	for _, dir := range []string{filepath.Join(ro, "sub"), filepath.Join(ro, "emptydir"), rw} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{
		"ro/secret.txt": "read-only secret\n", "ro/sub/inner.txt": "inner\n", "rw/own.txt": "mine\n",
	} {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, fixtureTime, fixtureTime); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"ro/ln": "secret.txt", "rw/abs": filepath.Join(ro, "secret.txt"), "rw/rel": "../ro/secret.txt",
	} {
		if err := os.Symlink(target, filepath.Join(tmp, link)); err != nil {
			t.Fatal(err)
		}
	}
	return ro, rw
}

// checkReadOnlyFixture asserts ro holds what readOnlyFixture put there.
func checkReadOnlyFixture(t *testing.T, ro string) {
	t.Helper()
	want := map[string]string{"secret.txt": "read-only secret\n", "sub/inner.txt": "inner\n"}
	for name, text := range want {
		path := filepath.Join(ro, name)
		b, err := os.ReadFile(path)
		fi, serr := os.Stat(path)
		if err != nil || serr != nil || string(b) != text || !fi.ModTime().Equal(fixtureTime) || fi.Mode() != 0o644 {
			t.Errorf("ro/%s changed: %q, %v, %v", name, b, fi.ModTime(), fi.Mode())
		}
	}
	var names []string
	filepath.WalkDir(ro, func(path string, _ os.DirEntry, _ error) error {
		rel, _ := filepath.Rel(ro, path)
		names = append(names, rel)
		return nil
	})
	if got := strings.Join(names, " "); got != ". emptydir ln secret.txt sub sub/inner.txt" {
		t.Errorf("ro now holds %s", got)
	}
}
