package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moat-run/moat"
)

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// needCompiler skips where the compiler engine (and so artifacts) is
// unavailable.
func needCompiler(t *testing.T) {
	t.Helper()
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err != nil {
		t.Skip(err)
	}
}

// copyExample copies an example module into dir and returns its path.
func copyExample(t *testing.T, name, dir string) string {
	t.Helper()
	b, err := os.ReadFile(example(name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompileAndRunPrecompiled: `moat compile` writes MODULE.cwasm (or -o),
// which `moat run` runs only with --allow-precompiled.
func TestCompileAndRunPrecompiled(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	wasm := copyExample(t, "fib.wasm", dir)
	if code, _, errOut := runMoat(t, "compile", wasm); code != 0 {
		t.Fatalf("compile: exit %d: %s", code, errOut)
	}
	cwasm := filepath.Join(dir, "fib.cwasm")
	fi, err := os.Stat(cwasm)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("artifact %v, %v", fi, err)
	}
	code, _, errOut := runMoat(t, "run", "--invoke", "fib", cwasm, "20")
	if code != exitUsage || !strings.Contains(errOut, "--allow-precompiled") {
		t.Fatalf("without --allow-precompiled: exit %d, %q", code, errOut)
	}
	code, out, errOut := runMoat(t, "run", "--allow-precompiled", "--invoke", "fib", cwasm, "20")
	if code != 0 || out != "6765\n" {
		t.Fatalf("with --allow-precompiled: exit %d, %q, %q", code, out, errOut)
	}
	// -o, text input, and the trap example's backtrace through an artifact.
	other := filepath.Join(dir, "out", "trap.bin")
	os.Mkdir(filepath.Dir(other), 0o755)
	if code, _, errOut := runMoat(t, "compile", "-o", other, example("trap.wat")); code != 0 {
		t.Fatalf("compile -o: exit %d: %s", code, errOut)
	}
	_, _, direct := runMoat(t, "run", "-C", "cache=n", "--invoke", "average", example("trap.wasm"), "10", "0")
	code, _, pre := runMoat(t, "run", "--allow-precompiled", "--invoke", "average", other, "10", "0")
	if code != exitFailure || pre != direct || !strings.Contains(pre, "wasm backtrace") {
		t.Errorf("trap through an artifact: exit %d\n%s\nwant, as compiled directly:\n%s", code, pre, direct)
	}
	// Damaged, it is refused, naming the digest.
	b, _ := os.ReadFile(cwasm)
	b[len(b)/2] ^= 1
	os.WriteFile(cwasm, b, 0o644)
	code, _, errOut = runMoat(t, "run", "--allow-precompiled", "--invoke", "fib", cwasm, "20")
	if code != exitFailure || !strings.Contains(errOut, "artifact digest mismatch") {
		t.Errorf("damaged artifact: exit %d, %q", code, errOut)
	}
	// Usage errors.
	for _, args := range [][]string{{"compile"}, {"compile", "a.wasm", "b.wasm"}, {"compile", "--bogus", "a.wasm"}, {"compile", "-o"}} {
		if code, _, _ := runMoat(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := runMoat(t, "compile", other); code != exitFailure || !strings.Contains(errOut, "already a compiled artifact") {
		t.Errorf("compiling an artifact: exit %d, %q", code, errOut)
	}
}

// TestSignedArtifacts: keygen, compile --sign, run --trust-key, and the
// refusals: unsigned, signed by another key, a key file of another kind.
func TestSignedArtifacts(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	key, otherKey := filepath.Join(dir, "key"), filepath.Join(dir, "other")
	for _, k := range []string{key, otherKey} {
		code, out, errOut := runMoat(t, "keygen", k)
		if code != 0 || !strings.Contains(out, "wrote") {
			t.Fatalf("keygen: exit %d, %q %q", code, out, errOut)
		}
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key file %v, %v", fi, err)
	}
	if code, _, errOut := runMoat(t, "keygen", key); code != exitFailure || !strings.Contains(errOut, "exists") {
		t.Errorf("keygen over an existing key: exit %d, %q", code, errOut)
	}
	wasm := copyExample(t, "fib.wasm", dir)
	signed, unsigned := filepath.Join(dir, "signed.cwasm"), filepath.Join(dir, "unsigned.cwasm")
	if code, _, errOut := runMoat(t, "compile", "--sign", key, "-o", signed, wasm); code != 0 {
		t.Fatalf("compile --sign: %s", errOut)
	}
	if code, _, errOut := runMoat(t, "compile", "-o", unsigned, wasm); code != 0 {
		t.Fatalf("compile: %s", errOut)
	}
	run := func(art string, keys ...string) (int, string, string) {
		args := []string{"run", "--allow-precompiled"}
		for _, k := range keys {
			args = append(args, "--trust-key", k)
		}
		return runMoat(t, append(args, "--invoke", "fib", art, "10")...)
	}
	if code, out, errOut := run(signed, key+".pub"); code != 0 || out != "55\n" {
		t.Errorf("signed, trusted: exit %d, %q %q", code, out, errOut)
	}
	if code, out, _ := run(signed, otherKey+".pub", key+".pub"); code != 0 || out != "55\n" {
		t.Errorf("signed, second of two trusted keys: exit %d", code)
	}
	if code, _, errOut := run(unsigned, key+".pub"); code != exitFailure || !strings.Contains(errOut, "signature") {
		t.Errorf("unsigned with a trusted key: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(signed, otherKey+".pub"); code != exitFailure || !strings.Contains(errOut, "not trusted") {
		t.Errorf("signed by an untrusted key: exit %d, %q", code, errOut)
	}
	// A key that is not Ed25519, and a file that is not a key.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecFile := filepath.Join(dir, "ec.pem")
	os.WriteFile(ecFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if code, _, errOut := runMoat(t, "compile", "--sign", ecFile, "-o", signed, wasm); code != exitFailure || !strings.Contains(errOut, "not an Ed25519") {
		t.Errorf("signing with an ECDSA key: exit %d, %q", code, errOut)
	}
	if code, _, errOut := run(signed, wasm); code != exitFailure || !strings.Contains(errOut, "PEM") {
		t.Errorf("a module as a public key: exit %d, %q", code, errOut)
	}
}

// TestRunCache: `moat run` caches compiled code by default (under the user
// cache directory), reuses it, replaces a damaged entry, and caches
// nothing with -C cache=n.
func TestRunCache(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	entries := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, "*.cwasm"))
		return m
	}
	run := func(args ...string) {
		t.Helper()
		all := append(append([]string{"run"}, args...), "--invoke", "fib", example("fib.wasm"), "20")
		if code, out, errOut := runMoat(t, all...); code != 0 || out != "6765\n" {
			t.Fatalf("%q: exit %d, %q %q", all, code, out, errOut)
		}
	}
	run("-C", "cache=n", "-C", "cache-dir="+dir)
	if len(entries()) != 0 {
		t.Fatal("-C cache=n wrote a cache entry")
	}
	run("-C", "cache-dir="+dir)
	if len(entries()) != 1 {
		t.Fatalf("cache holds %q after a run, want one entry", entries())
	}
	entry := entries()[0]
	// A hit reuses the file (same inode) and marks it used (mtime).
	old := time.Now().Add(-time.Hour)
	os.Chtimes(entry, old, old)
	before, _ := os.Stat(entry)
	run("-C", "cache-dir="+dir)
	after, _ := os.Stat(entry)
	if !os.SameFile(before, after) || !after.ModTime().After(old.Add(time.Minute)) {
		t.Errorf("second run did not hit the entry (same file %v, mtime %v)", os.SameFile(before, after), after.ModTime())
	}
	// A damaged entry is recompiled and replaced.
	b, _ := os.ReadFile(entry)
	b[len(b)-200] ^= 1
	os.WriteFile(entry, b, 0o600)
	run("-C", "cache-dir="+dir)
	if fixed, _ := os.Stat(entry); os.SameFile(fixed, after) {
		t.Error("the damaged entry was not replaced")
	}
	// The default directory is moat in the user cache directory.
	run()
	def, _ := filepath.Glob(filepath.Join(defaultCacheDir(), "*.cwasm"))
	if len(def) == 0 {
		t.Errorf("nothing cached under %s", defaultCacheDir())
	}
	// A cache directory others may write is not used, with a warning.
	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o777)
	os.Chmod(shared, 0o777)
	code, out, errOut := runMoat(t, "run", "-C", "cache-dir="+shared, "--invoke", "fib", example("fib.wasm"), "20")
	if code != 0 || out != "6765\n" || !strings.Contains(errOut, "not caching compiled code") {
		t.Errorf("shared cache directory: exit %d, %q %q", code, out, errOut)
	}
	if code, _, errOut := runMoat(t, "run", "-C", "cache=maybe", example("fib.wasm")); code != exitUsage || !strings.Contains(errOut, "cache") {
		t.Errorf("-C cache=maybe: exit %d, %q", code, errOut)
	}
}

// TestBenchModulesPrecompiled runs bench modules compiled ahead of time:
// each artifact's run must print exactly what the benchmark expects, or,
// where it expects nothing in particular, what a run of the module
// compiled directly prints. A broad sample by
// default (every program but most shootout kernels); MOAT_BENCH_ALL=1 runs
// them all.
func TestBenchModulesPrecompiled(t *testing.T) {
	needCompiler(t)
	root := benchDir(t)
	all := os.Getenv(benchAllEnv) == "1"
	sample := []string{"shootout-ackermann", "shootout-keccak", "shootout-switch"}
	for _, c := range benchCases(t, root) {
		t.Run(c.name, func(t *testing.T) {
			if !all && strings.HasPrefix(c.name, "shootout-") && !slices.Contains(sample, c.name) {
				t.Skipf("set %s=1 to run every shootout kernel", benchAllEnv)
			}
			if testing.Short() && c.name != "noop" {
				t.Skip("short mode runs only noop")
			}
			cwasm := filepath.Join(t.TempDir(), c.name+".cwasm")
			if code, _, errOut := runMoat(t, "compile", "-o", cwasm, filepath.Join(c.dir, c.module)); code != 0 {
				t.Fatalf("compile: %s", errOut)
			}
			runIn := func(module string, flags ...string) (int, string, string) {
				dir := filepath.Join(t.TempDir(), filepath.Base(c.dir))
				if err := os.CopyFS(dir, os.DirFS(c.dir)); err != nil {
					t.Fatal(err)
				}
				if module == "" {
					module = filepath.Join(dir, c.module)
				}
				args := append(flags, "--default-values-unknown-imports", "--dir", dir+"::/", module)
				return runMoatStdin(t, "", args...)
			}
			code, out, errOut := runIn(cwasm, "--allow-precompiled")
			// Without expected output, compare with a direct compile.
			if !exists(filepath.Join(c.dir, c.stdout)) || !exists(filepath.Join(c.dir, c.stderr)) {
				dcode, dout, derr := runIn("", "-C", "cache=n")
				if code != dcode || out != dout || errOut != derr {
					t.Fatalf("precompiled: exit %d\n%s\n%s\ncompiled directly: exit %d\n%s\n%s",
						code, limitText(out), limitText(errOut), dcode, limitText(dout), limitText(derr))
				}
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, limitText(errOut))
			}
			compareExpected(t, "stdout", out, filepath.Join(c.dir, c.stdout))
			compareExpected(t, "stderr", errOut, filepath.Join(c.dir, c.stderr))
		})
	}
}

// TestWASIExamplesPrecompiled runs the C and Go tour programs (the Go one
// is a 2.9 MB Go wasip1 binary) from artifacts: they must print what
// TestWASIExampleC and TestWASIExampleGo require of direct compilation.
func TestWASIExamplesPrecompiled(t *testing.T) {
	needCompiler(t)
	for _, tc := range []struct {
		module, stdin string
		args, env     []string
		code          int
		stdout        string
	}{
		{"wasi/tourc/tour_c.wasm", "one\ntwo\nthree\n", []string{"/data", "7"}, []string{"GREETING=hi", "LANG=C"}, 7, tourCWant},
		{"wasi/tourgo/tour_go.wasm", "one\ntwo\n", []string{"/", "5"}, []string{"GREETING=hello", "X=1"}, 5, tourGoWant},
	} {
		t.Run(filepath.Base(tc.module), func(t *testing.T) {
			// Named as the module, since the programs print argv[0].
			cwasm := filepath.Join(t.TempDir(), filepath.Base(tc.module))
			if code, _, errOut := runMoat(t, "compile", "-o", cwasm, example(tc.module)); code != 0 {
				t.Fatalf("compile: %s", errOut)
			}
			dir := tourFixture(t)
			args := []string{"--allow-precompiled", "--dir", dir + "::" + tc.args[0]}
			for _, kv := range tc.env {
				args = append(args, "--env", kv)
			}
			code, out, errOut := runMoatStdin(t, tc.stdin, append(append(args, cwasm), tc.args...)...)
			wantErr := fmt.Sprintf("exiting with %d after 0 failures\n", tc.code)
			if code != tc.code || out != tc.stdout || errOut != wantErr {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s", code, out, errOut, tc.code, tc.stdout)
			}
			checkFixtureIntact(t, dir)
		})
	}
}

// TestRunFromPipe: a module or an artifact given as a pipe (not a regular
// file) is read once, whole, and runs.
func TestRunFromPipe(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	cwasm := filepath.Join(dir, "fib.cwasm")
	if code, _, errOut := runMoat(t, "compile", "-o", cwasm, example("fib.wasm")); code != 0 {
		t.Fatalf("compile: %s", errOut)
	}
	for _, tc := range []struct {
		file  string
		flags []string
	}{{example("fib.wasm"), nil}, {cwasm, []string{"--allow-precompiled"}}} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() { w.Write(b); w.Close() }()
		pipe := fmt.Sprintf("/dev/fd/%d", r.Fd())
		if _, err := os.Stat(pipe); err != nil {
			r.Close()
			t.Skip("no /dev/fd here")
		}
		args := append(append([]string{"run"}, tc.flags...), "-C", "cache=n", "--invoke", "fib", pipe, "20")
		code, out, errOut := runMoat(t, args...)
		r.Close()
		if code != 0 || out != "6765\n" {
			t.Errorf("%s through a pipe: exit %d, %q %q", filepath.Base(tc.file), code, out, errOut)
		}
	}
}
