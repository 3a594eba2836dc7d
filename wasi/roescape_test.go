package wasi_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/wasi"
)

// testEngines are the engines this build can run.
func testEngines(t *testing.T) map[string]moat.EngineKind {
	t.Helper()
	kinds := map[string]moat.EngineKind{"interp": moat.EngineInterpreter}
	if _, err := moat.NewEngine(moat.Config{Engine: moat.EngineCompiler}); err == nil {
		kinds["compiler"] = moat.EngineCompiler
	} else if !errors.Is(err, moat.ErrCompilerUnavailable) {
		t.Fatalf("compiler engine: %v", err)
	}
	return kinds
}

// runCommand runs the WASI command at path on engine kind under cfg, with
// stdout and stderr captured.
func runCommand(t *testing.T, kind moat.EngineKind, path string, cfg wasi.Config) result {
	t.Helper()
	bin, err := os.ReadFile(path)
	must(t, err)
	eng, err := moat.NewEngine(moat.Config{Engine: kind})
	must(t, err)
	mod, err := eng.Compile(bin)
	must(t, err)
	l := moat.NewLinker(eng)
	must(t, wasi.DefineImports(l))
	store := moat.NewStore(eng)
	var out, errb bytes.Buffer
	cfg.Stdout, cfg.Stderr = &out, &errb
	sys, err := wasi.Attach(store, cfg)
	must(t, err)
	defer sys.Close()
	inst, err := l.Instantiate(context.Background(), store, mod)
	must(t, err)
	code, err := wasi.Run(context.Background(), inst)
	return result{code: code, err: err, stdout: out.String(), stderr: errb.String()}
}

const roescapeWasm = "testdata/roescape/roescape.wasm"

// roescapeWant is what testdata/roescape prints when every attempt on /ro
// is refused: EPERM for the read-only preopen (wasmtime's errno), EBADF for
// writing a descriptor opened read-only, ENOTCAPABLE for lookups that would
// leave /rw.
const roescapeWant = `open secret O_WRONLY: refused (EPERM)
open secret O_RDWR: refused (EPERM)
open secret O_TRUNC: refused (EPERM)
open secret O_APPEND: refused (EPERM)
open new O_CREAT: refused (EPERM)
open new O_CREAT|O_EXCL: refused (EPERM)
open through ln: refused (EPERM)
open sub/../secret: refused (EPERM)
open sub/inner: refused (EPERM)
open secret O_RDONLY: ok
read secret: ok
write: refused (EBADF)
pwrite: refused (EBADF)
ftruncate: refused (EPERM)
futimens: refused (EPERM)
posix_fallocate: refused (EPERM)
fcntl F_SETFL O_APPEND: ok
write after O_APPEND: refused (EBADF)
open RO as a directory: ok
futimens on the directory: refused (EPERM)
openat the directory O_WRONLY: refused (EPERM)
mkdirat the directory: refused (EPERM)
mkdir: refused (EPERM)
rmdir emptydir: refused (EPERM)
unlink secret: refused (EPERM)
unlink ln: refused (EPERM)
symlink in RO: refused (EPERM)
utimensat secret: refused (EPERM)
utimensat ln nofollow: refused (EPERM)
link RO to RW: refused (EPERM)
write RW alias: refused (ENOENT)
link RO subdir to RW: refused (EPERM)
link RW to RO: refused (EPERM)
link RO to RO: refused (EPERM)
rename RO to RW: refused (EPERM)
rename RO dir to RW: refused (EPERM)
rename RW to RO: refused (EPERM)
rename RO to RO: refused (EPERM)
link RW to RW: ok
rename RW to RW: ok
open RW/abs (host symlink, absolute): refused (ENOTCAPABLE)
open RW/rel (host symlink, ..): refused (ENOTCAPABLE)
symlink RW/mine -> ../ro/secret.txt: ok
open RW/mine: refused (ENOTCAPABLE)
open RW/../ro/secret.txt: refused (ENOTCAPABLE)
openat RW ../ro/secret.txt: refused (ENOTCAPABLE)
rename RW ../ro/secret.txt: refused (ENOTCAPABLE)
link RW ../ro/secret.txt: refused (ENOTCAPABLE)
find the preopens: ok
fd_renumber RO dir over RW dir: ok
create through the renumbered descriptor: refused (EPERM)
fd_renumber RO file over RW file: ok
write through the renumbered file: refused (EBADF)
fd_renumber RO preopen over RW preopen: ok
open RW/new.txt O_CREAT: refused (EPERM)
open RW/secret.txt O_WRONLY: refused (EPERM)
0 allowed
`

// TestReadOnlyGuest runs testdata/roescape, a C program that attacks a
// read-only preopen through wasi-libc every way it can, on every engine and
// both lookup implementations: every attempt is refused and the host tree
// of /ro is unchanged byte for byte, times, modes and link counts included.
func TestReadOnlyGuest(t *testing.T) {
	for name, kind := range testEngines(t) {
		t.Run(name, func(t *testing.T) {
			lookupModes(t, func(t *testing.T) {
				ro, rw := roTrees(t)
				before := treeState(t, ro)
				r := runCommand(t, kind, roescapeWasm, wasi.Config{
					Args:     []string{"roescape.wasm", "/ro", "/rw"},
					Preopens: roPreopens(ro, rw),
				})
				if r.err != nil || r.code != 0 || r.stdout != roescapeWant {
					t.Errorf("exit %d, err %v, stdout:\n%s\nstderr:\n%s\nwant exit 0, stdout:\n%s",
						r.code, r.err, r.stdout, r.stderr, roescapeWant)
				}
				checkTreeSame(t, before, treeState(t, ro))
			})
		})
	}
}

// TestRoescapeWithoutReadOnly is the control: the same program with /ro
// granted writable gets through, so TestReadOnlyGuest's refusals are the
// read-only mark's doing.
func TestRoescapeWithoutReadOnly(t *testing.T) {
	ro, rw := roTrees(t)
	pre := roPreopens(ro, rw)
	pre[0].ReadOnly = false
	r := runCommand(t, moat.EngineInterpreter, roescapeWasm, wasi.Config{
		Args: []string{"roescape.wasm", "/ro", "/rw"}, Preopens: pre,
	})
	if r.code == 0 {
		t.Errorf("every attempt was refused on a writable /ro:\n%s", r.stdout)
	}
	if b, err := os.ReadFile(filepath.Join(ro, "secret.txt")); err == nil && string(b) == "read-only secret\n" {
		t.Errorf("secret.txt unchanged on a writable /ro")
	}
}

// TestRoescapeBinaryUpToDate rebuilds roescape.wasm when clang can target
// WASI and checks that the committed binary matches its source.
func TestRoescapeBinaryUpToDate(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		t.Skip("clang not installed; cannot check roescape.wasm against roescape.c")
	}
	out := filepath.Join(t.TempDir(), "roescape.wasm")
	cmd := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-s", "-o", out, "testdata/roescape/roescape.c")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("clang cannot build for wasm32-wasi here (install lld wasi-libc libclang-rt-14-dev-wasm32): %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	must(t, err)
	committed, err := os.ReadFile(roescapeWasm)
	must(t, err)
	if !bytes.Equal(fresh, committed) {
		t.Errorf("%s is stale: run go generate ./wasi", roescapeWasm)
	}
}
