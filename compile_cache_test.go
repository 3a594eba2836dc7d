package moat_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/artifact"
)

// cacheEntries lists the entries and the other files in a cache directory.
func cacheEntries(t *testing.T, dir string) (entries, others []string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".cwasm") && !strings.HasPrefix(de.Name(), ".") {
			entries = append(entries, filepath.Join(dir, de.Name()))
		} else {
			others = append(others, de.Name())
		}
	}
	return entries, others
}

// TestCompileCache: a second engine loads what the first compiled; a
// damaged entry, an entry of another module under the key, or a truncated
// one is recompiled (and replaced), never run; another configuration
// misses.
func TestCompileCache(t *testing.T) {
	dir := t.TempDir()
	cfg := moat.Config{CacheDir: dir}
	wasm := wat2wasm(t, behaviourWat)
	e1 := compilerEngine(t, cfg)
	m1, err := e1.Compile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if moat.FromCache(m1) {
		t.Fatal("first compile came from an empty cache")
	}
	want := observeModule(t, e1, m1)
	entries, others := cacheEntries(t, dir)
	if len(entries) != 1 || len(others) != 0 {
		t.Fatalf("cache holds %q and %q, want one entry", entries, others)
	}
	entry := entries[0]

	compile := func(what string, wantHit bool) {
		t.Helper()
		e := compilerEngine(t, cfg)
		m, err := e.Compile(wasm)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if moat.FromCache(m) != wantHit {
			t.Fatalf("%s: from cache %v, want %v", what, moat.FromCache(m), wantHit)
		}
		if got := observeModule(t, e, m); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: behaves differently:\ngot  %q\nwant %q", what, got, want)
		}
	}
	compile("second engine", true)

	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	f, err := artifact.Load(good, artifact.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code := f.Header.Section(artifact.SectionCode)
	otherMod, err := compilerEngine(t, moat.Config{}).CompileText([]byte(`(module (func (export "counter") (result i32) (i32.const 666)))`))
	if err != nil {
		t.Fatal(err)
	}
	otherArt, _ := otherMod.Serialize()
	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"flipped code byte", func() []byte { b := append([]byte(nil), good...); b[code.Offset+10] ^= 0xff; return b }()},
		{"truncated", good[:len(good)/2]},
		{"another module's artifact", otherArt},
		{"not an artifact", []byte("garbage")},
	} {
		if err := os.WriteFile(entry, tc.content, 0o600); err != nil {
			t.Fatal(err)
		}
		compile(tc.name, false)
		repaired, err := os.ReadFile(entry)
		if err != nil || !reflect.DeepEqual(repaired, good) {
			t.Fatalf("%s: the entry was not replaced by a good one (%v)", tc.name, err)
		}
		compile(tc.name+", then", true)
	}

	// Another code-affecting configuration is another entry.
	t.Setenv("MOAT_NO_AVX", "1")
	if tgt := f.Header.Target; len(tgt.CPU) > 0 {
		compile("baseline engine", false)
		if entries, _ := cacheEntries(t, dir); len(entries) != 2 {
			t.Fatalf("%d entries after a baseline compile, want 2", len(entries))
		}
	}
}

// TestCompileCacheDirectory: a cache directory that others may write is
// refused at NewEngine; one that disappears later only stops caching; the
// interpreter ignores the setting.
func TestCompileCacheDirectory(t *testing.T) {
	shared := t.TempDir()
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, CacheDir: shared}); err == nil || !strings.Contains(err.Error(), "writable by others") {
		if err == nil || !strings.Contains(err.Error(), "not available") {
			t.Fatalf("world-writable cache directory: got %v", err)
		}
	}
	if os.Getuid() == 0 {
		other := t.TempDir()
		if err := os.Chown(other, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, CacheDir: other}); err == nil || !strings.Contains(err.Error(), "belongs to user 4242") {
			if err == nil || !strings.Contains(err.Error(), "not available") {
				t.Fatalf("cache directory of another user: got %v", err)
			}
		}
	}

	dir := filepath.Join(t.TempDir(), "made", "by", "moat")
	e := compilerEngine(t, moat.Config{CacheDir: dir})
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache directory not created private: %v %v", fi.Mode(), err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Compile(wat2wasm(t, behaviourWat)); err != nil {
		t.Fatalf("compiling with the cache directory gone: %v", err)
	}

	in, err := moat.NewEngine(moat.Config{Engine: moat.EngineInterpreter, CacheDir: shared})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Compile(wat2wasm(t, behaviourWat)); err != nil {
		t.Fatal(err)
	}
}

// TestCompileCacheEviction: with a cap of about three entries, compiling
// six modules keeps the cache under the cap, and a module used again
// (a hit refreshes its entry) outlives older ones.
func TestCompileCacheEviction(t *testing.T) {
	dir := t.TempDir()
	mods := make([][]byte, 6)
	for i := range mods {
		mods[i] = wat2wasm(t, fmt.Sprintf(`(module (func (export "f") (result i32) (i32.const %d)) (data (memory 0) (i32.const 0) "%s") (memory 1))`, i, strings.Repeat("x", 1000)))
	}
	probe := compilerEngine(t, moat.Config{})
	m, _ := probe.Compile(mods[0])
	a, _ := m.Serialize()
	capBytes := int64(3*len(a) + len(a)/2)
	e := compilerEngine(t, moat.Config{CacheDir: dir, CacheMaxBytes: capBytes})
	compile := func(i int) bool {
		t.Helper()
		m, err := e.Compile(mods[i])
		if err != nil {
			t.Fatal(err)
		}
		return moat.FromCache(m)
	}
	for i := range mods {
		compile(i)
		if i == 2 && !compile(0) {
			t.Fatal("module 0 missed while the cache had room")
		}
		entries, _ := cacheEntries(t, dir)
		var total int64
		for _, p := range entries {
			fi, _ := os.Stat(p)
			total += fi.Size()
		}
		if total > capBytes {
			t.Fatalf("after module %d the cache holds %d bytes, over its cap %d", i, total, capBytes)
		}
	}
	if !compile(5) {
		t.Error("the newest module was evicted")
	}
	if compile(1) {
		t.Error("module 1, the least recently used, was kept")
	}
}

// TestCompileCacheConcurrentWriters fills one cache from several
// goroutines (each with its own engine) and a second process at once,
// while entries are deleted under them: every compile succeeds and runs,
// and the cache ends with one whole entry and no temporary files.
func TestCompileCacheConcurrentWriters(t *testing.T) {
	if os.Getenv("MOAT_TEST_CACHE_CHILD") != "" {
		t.Skip("run as the child of TestCompileCacheConcurrentWriters")
	}
	compilerEngine(t, moat.Config{})
	dir := t.TempDir()
	wasm := manyFuncsModule(t, 2000)
	wasmPath := filepath.Join(t.TempDir(), "many.wasm")
	if err := os.WriteFile(wasmPath, wasm, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	child := exec.Command(exe, "-test.run=^TestCompileCacheChild$", "-test.v")
	child.Env = append(os.Environ(), "MOAT_TEST_CACHE_CHILD="+dir, "MOAT_TEST_CACHE_WASM="+wasmPath)
	var childOut strings.Builder
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Go(func() {
			for i := range 4 {
				if err := compileAndRun(dir, wasm); err != nil {
					errs <- fmt.Errorf("goroutine %d, round %d: %w", g, i, err)
				}
				if g == 0 {
					entries, _ := filepath.Glob(filepath.Join(dir, "*.cwasm"))
					for _, p := range entries {
						os.Remove(p) // as another process's eviction would
					}
				}
			}
		})
	}
	wg.Wait()
	if err := child.Wait(); err != nil {
		t.Errorf("child process: %v\n%s", err, childOut.String())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := compileAndRun(dir, wasm); err != nil {
		t.Fatal(err)
	}
	entries, others := cacheEntries(t, dir)
	if len(entries) != 1 || len(others) != 0 {
		t.Fatalf("cache holds %q and %q, want one entry", entries, others)
	}
	e := compilerEngine(t, moat.Config{CacheDir: dir})
	m, err := e.Compile(wasm)
	if err != nil || !moat.FromCache(m) {
		t.Fatalf("final compile: from cache %v, %v", m != nil && moat.FromCache(m), err)
	}
}

// TestCompileCacheChild is the second process of
// TestCompileCacheConcurrentWriters.
func TestCompileCacheChild(t *testing.T) {
	dir := os.Getenv("MOAT_TEST_CACHE_CHILD")
	if dir == "" {
		t.Skip("only run by TestCompileCacheConcurrentWriters")
	}
	wasm, err := os.ReadFile(os.Getenv("MOAT_TEST_CACHE_WASM"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if err := compileAndRun(dir, wasm); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}

// compileAndRun compiles wasm with a new engine on cache dir and calls f0.
func compileAndRun(dir string, wasm []byte) error {
	e, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler, CacheDir: dir})
	if err != nil {
		return err
	}
	m, err := e.Compile(wasm)
	if err != nil {
		return err
	}
	inst, err := moat.NewStore(e).Instantiate(context.Background(), m)
	if err != nil {
		return err
	}
	r, err := inst.Func("f0").Call(context.Background(), 5)
	if err != nil {
		return err
	}
	if got := moat.DecodeI32(r[0]); got != 5*3+1999 {
		return fmt.Errorf("f0(5) = %d, want %d", got, 5*3+1999)
	}
	return nil
}

// manyFuncsModule is a module of n chained functions: f_i(x) = f_{i+1}(x)+1,
// the last one 3x. Big enough that compiles overlap.
func manyFuncsModule(t testing.TB, n int) []byte {
	var b strings.Builder
	b.WriteString("(module\n")
	for i := range n {
		if i == n-1 {
			fmt.Fprintf(&b, "(func $f%d (export \"f%d\") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))\n", i, i)
			continue
		}
		fmt.Fprintf(&b, "(func $f%d (export \"f%d\") (param i32) (result i32) (i32.add (call $f%d (local.get 0)) (i32.const 1)))\n", i, i, i+1)
	}
	b.WriteString(")")
	return wat2wasm(t, b.String())
}
