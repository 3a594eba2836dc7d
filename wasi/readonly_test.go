package wasi_test

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/moat-run/moat"
	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// Read-only preopens, from the attacker's side: a guest holding a
// read-only preopen /ro and a writable one /rw tries every WASI function
// that could change something under /ro, in every direction, and the host
// tree of /ro must come out identical (contents, sizes, modes, times, link
// counts, names). Each case gets a fresh sandbox and runs under both lookup
// implementations (openat2 and the descriptor walk).

// The sandbox's descriptors.
const (
	roFd = preopenFd     // /ro, read-only
	rwFd = preopenFd + 1 // /rw, writable
)

// readRights is every right but fd_write: such a path_open does not open
// the host file for writing, and succeeds under /ro (Go's wasip1 runtime
// opens O_RDONLY files so).
const readRights = ^uint64(0) &^ rightWrite

const (
	fstMtimNow = uint64(wasip1.FstflagMtimNow)
	fstAtim    = uint64(wasip1.FstflagAtim)
)

// roSandbox makes tmp/ro (preopened read-only as /ro) and tmp/rw (writable,
// /rw) side by side, with host symlinks in rw that lead into ro by an
// absolute path, by "..", and to ro's directory.
func roSandbox(t *testing.T) (p *probe, ro, rw string) {
	t.Helper()
	ro, rw = roTrees(t)
	p = newProbe(t, wasi.Config{Preopens: roPreopens(ro, rw)})
	return p, ro, rw
}

// roPreopens grants ro read-only as /ro and rw writable as /rw.
func roPreopens(ro, rw string) []wasi.Preopen {
	return []wasi.Preopen{{Guest: "/ro", Host: ro, ReadOnly: true}, {Guest: "/rw", Host: rw}}
}

// roTrees makes the host side of roSandbox.
func roTrees(t *testing.T) (ro, rw string) {
	t.Helper()
	tmp := t.TempDir()
	ro, rw = filepath.Join(tmp, "ro"), filepath.Join(tmp, "rw")
	must(t, os.MkdirAll(filepath.Join(ro, "sub"), 0o755))
	must(t, os.MkdirAll(filepath.Join(ro, "emptydir"), 0o755))
	must(t, os.MkdirAll(filepath.Join(rw, "rwsub"), 0o755))
	must(t, os.WriteFile(filepath.Join(ro, "secret.txt"), []byte("read-only secret\n"), 0o640))
	must(t, os.WriteFile(filepath.Join(ro, "sub", "inner.txt"), []byte("inner\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(rw, "own.txt"), []byte("mine\n"), 0o644))
	must(t, os.Symlink("secret.txt", filepath.Join(ro, "ln")))
	must(t, os.Symlink(filepath.Join(ro, "secret.txt"), filepath.Join(rw, "abs")))
	must(t, os.Symlink("../ro/secret.txt", filepath.Join(rw, "rel")))
	must(t, os.Symlink(ro, filepath.Join(rw, "absdir")))
	// old times on everything under ro, so any change of time shows
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, name := range []string{"secret.txt", "sub/inner.txt", "sub", "emptydir", "."} {
		must(t, os.Chtimes(filepath.Join(ro, name), old, old))
	}
	return ro, rw
}

// entryState is everything about one host file that a change would show:
// ctime moves with any change of metadata (times, links, names, modes).
// Access times are left out: reading is allowed, and so is the test's own.
type entryState struct {
	mode         fs.FileMode
	size         int64
	mtime, ctime time.Time
	nlink        uint64
	ino          uint64
	data, link   string
}

// treeState snapshots the tree under root, root included, without
// following symlinks.
func treeState(t *testing.T, root string) map[string]entryState {
	t.Helper()
	out := map[string]entryState{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		st := entryState{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime()}
		st.nlink, st.ino, st.ctime = inodeState(path)
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.data = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			if st.link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		rel, _ := filepath.Rel(root, path)
		out[rel] = st
		return nil
	})
	must(t, err)
	return out
}

// checkTreeSame reports every difference between two snapshots.
func checkTreeSame(t *testing.T, before, after map[string]entryState) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(before)) {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("read-only %s disappeared", name)
		case a != before[name]:
			t.Errorf("read-only %s changed:\n  before %+v\n  after  %+v", name, before[name], a)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("read-only tree gained %s", name)
		}
	}
}

// twoPaths calls path_link or path_rename with both paths in memory.
func (p *probe) twoPaths(fn string, oldFd uint32, lookup uint64, oldPath string, newFd uint32, newPath string) wasip1.Errno {
	p.t.Helper()
	o, on := p.put(pathPtr, oldPath)
	n, nn := p.put(path2, newPath)
	if fn == "path_link" {
		return p.call(fn, uint64(oldFd), lookup, o, on, uint64(newFd), n, nn)
	}
	return p.call(fn, uint64(oldFd), o, on, uint64(newFd), n, nn)
}

// pathTimes calls path_filestat_set_times(fd, lookup, path, 0, 0, MTIM_NOW).
func (p *probe) pathTimes(fd uint32, lookup uint64, path string) wasip1.Errno {
	p.t.Helper()
	ptr, n := p.put(pathPtr, path)
	return p.call("path_filestat_set_times", uint64(fd), lookup, ptr, n, 0, 0, fstMtimNow)
}

// symlink calls path_symlink(target, fd, path).
func (p *probe) symlink(target string, fd uint32, path string) wasip1.Errno {
	p.t.Helper()
	tg, tn := p.put(path2, target)
	ptr, n := p.put(pathPtr, path)
	return p.call("path_symlink", tg, tn, uint64(fd), ptr, n)
}

// mustOpen opens path under dirfd or fails the test.
func (p *probe) mustOpen(dirfd uint32, path string, lookup, oflags, rights uint64) uint32 {
	p.t.Helper()
	e, fd := p.open(dirfd, path, lookup, oflags, rights, 0)
	if e != eSuccess {
		p.t.Fatalf("setup: path_open(%d, %q): %v", dirfd, path, e)
	}
	return fd
}

// roFile opens /ro/secret.txt with every right it can get.
func roFile(p *probe) uint32 { return p.mustOpen(roFd, "secret.txt", 0, 0, readRights) }

// roSub opens /ro/sub as a directory with every right it can get, and
// every right to hand down.
func roSub(p *probe) uint32 {
	p.t.Helper()
	ptr, n := p.put(pathPtr, "sub")
	if e := p.call("path_open", roFd, 0, ptr, n, oDirectory, dirRights, ^uint64(0), 0, outPtr); e != eSuccess {
		p.t.Fatalf("setup: open /ro/sub: %v", e)
	}
	return p.u32(outPtr)
}

// pwriteAt writes data to fd at offset 0 with fd_pwrite.
func (p *probe) pwriteAt(fd uint32, data string) wasip1.Errno {
	p.t.Helper()
	p.put(bufPtr, data)
	p.mem.WriteUint32Le(iovPtr, bufPtr)
	p.mem.WriteUint32Le(iovPtr+4, uint32(len(data)))
	return p.call("fd_pwrite", uint64(fd), iovPtr, 1, 0, outPtr)
}

type roCase struct {
	name string // starts with the WASI function under test
	do   func(p *probe) wasip1.Errno
	want wasip1.Errno
}

// roCases are the attempts. Every one must leave tmp/ro exactly as it was;
// want is the errno the last call returns (wasmtime's, for the read-only
// refusals: EPERM). The eSuccess cases are controls: the same operation
// on /rw works, so a refusal above is the read-only mark at work.
var roCases = []roCase{
	// path_open
	{"path_open ro write right", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "secret.txt", 0, 0, rightsRW, 0); return e }, ePerm},
	{"path_open ro trunc", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "secret.txt", 0, oTrunc, rightRead, 0); return e }, ePerm},
	{"path_open ro creat existing", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "secret.txt", 0, oCreat, rightRead, 0); return e }, ePerm},
	{"path_open ro creat new", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "new.txt", 0, oCreat, rightRead, 0); return e }, ePerm},
	{"path_open ro creat excl", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "new.txt", 0, oCreat|oExcl, rightsRW, 0); return e }, ePerm},
	{"path_open ro append write", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "secret.txt", 0, 0, rightsRW, fdAppend); return e }, ePerm},
	{"path_open ro dir write", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "sub", 0, oDirectory, rightsRW, 0); return e }, ePerm},
	{"path_open ro via symlink", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "ln", followLinks, 0, rightsRW, 0); return e }, ePerm},
	{"path_open ro via ..", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "sub/../secret.txt", 0, 0, rightsRW, 0); return e }, ePerm},
	{"path_open ro subdir write", func(p *probe) wasip1.Errno { e, _ := p.open(roSub(p), "inner.txt", 0, 0, rightsRW, 0); return e }, ePerm},
	{"path_open ro subdir creat", func(p *probe) wasip1.Errno { e, _ := p.open(roSub(p), "n", 0, oCreat, rightRead, 0); return e }, ePerm},
	{"path_open ro read (control)", func(p *probe) wasip1.Errno { e, _ := p.open(roFd, "secret.txt", 0, 0, rightRead, fdAppend); return e }, eSuccess},
	{"path_open ro with Go's O_RDONLY rights (control)", func(p *probe) wasip1.Errno {
		// Go's wasip1 runtime asks for fd_filestat_set_size, set_times and
		// more on a read-only open; only fd_write means writing
		goRead := readRights &^ uint64(wasip1.RightFdDatasync|wasip1.RightFdAllocate|wasip1.RightPathFilestatSetSize)
		e, _ := p.open(roFd, "secret.txt", 0, 0, goRead, 0)
		return e
	}, eSuccess},
	{"path_open rw write (control)", func(p *probe) wasip1.Errno { e, _ := p.open(rwFd, "own.txt", 0, oTrunc, rightsRW, 0); return e }, eSuccess},
	{"path_open rw ../ro", func(p *probe) wasip1.Errno { e, _ := p.open(rwFd, "../ro/secret.txt", 0, 0, rightsRW, 0); return e }, eNotcapable},
	{"path_open rw abs symlink", func(p *probe) wasip1.Errno { e, _ := p.open(rwFd, "abs", followLinks, oTrunc, rightsRW, 0); return e }, eNotcapable},
	{"path_open rw rel symlink", func(p *probe) wasip1.Errno { e, _ := p.open(rwFd, "rel", followLinks, 0, rightsRW, 0); return e }, eNotcapable},
	{"path_open rw through abs dir link", func(p *probe) wasip1.Errno {
		e, _ := p.open(rwFd, "absdir/secret.txt", 0, 0, rightsRW, 0)
		return e
	}, eNotcapable},
	{"path_open rw guest symlink into ro", func(p *probe) wasip1.Errno {
		if e := p.symlink("../ro/secret.txt", rwFd, "mine"); e != eSuccess {
			return e
		}
		e, _ := p.open(rwFd, "mine", followLinks, 0, rightsRW, 0)
		return e
	}, eNotcapable},

	// fd_* on a file opened under /ro
	{"fd_write ro file", func(p *probe) wasip1.Errno { e, _ := p.write(roFile(p), "x"); return e }, eBadf},
	{"fd_pwrite ro file", func(p *probe) wasip1.Errno { return p.pwriteAt(roFile(p), "x") }, eBadf},
	{"fd_allocate ro file", func(p *probe) wasip1.Errno { return p.call("fd_allocate", uint64(roFile(p)), 0, 4096) }, ePerm},
	{"fd_filestat_set_size ro file", func(p *probe) wasip1.Errno { return p.call("fd_filestat_set_size", uint64(roFile(p)), 0) }, ePerm},
	{"fd_filestat_set_times ro file", func(p *probe) wasip1.Errno {
		return p.call("fd_filestat_set_times", uint64(roFile(p)), 0, 0, fstMtimNow)
	}, ePerm},
	{"fd_fdstat_set_rights ro file regains write", func(p *probe) wasip1.Errno {
		return p.call("fd_fdstat_set_rights", uint64(roFile(p)), rightsRW, 0)
	}, eNotcapable},
	{"fd_fdstat_set_flags ro file append, then write", func(p *probe) wasip1.Errno {
		fd := roFile(p)
		if e := p.call("fd_fdstat_set_flags", uint64(fd), fdAppend); e != eSuccess {
			return e
		}
		e, _ := p.write(fd, "appended")
		return e
	}, eBadf},
	{"fd_write rw file (control)", func(p *probe) wasip1.Errno {
		e, _ := p.write(p.mustOpen(rwFd, "own.txt", 0, 0, rightsRW), "x")
		return e
	}, eSuccess},

	// fd_* on a directory under /ro
	{"fd_filestat_set_times ro preopen", func(p *probe) wasip1.Errno { return p.call("fd_filestat_set_times", roFd, 0, 0, fstMtimNow) }, ePerm},
	{"fd_filestat_set_times ro subdir", func(p *probe) wasip1.Errno {
		return p.call("fd_filestat_set_times", uint64(roSub(p)), 1e9, 0, fstAtim)
	}, ePerm},
	{"fd_filestat_set_size ro preopen", func(p *probe) wasip1.Errno { return p.call("fd_filestat_set_size", roFd, 0) }, ePerm},
	{"fd_allocate ro preopen", func(p *probe) wasip1.Errno { return p.call("fd_allocate", roFd, 0, 1) }, ePerm},
	{"fd_write ro preopen", func(p *probe) wasip1.Errno { e, _ := p.write(roFd, "x"); return e }, eIsdir},
	{"fd_filestat_set_times rw preopen (control)", func(p *probe) wasip1.Errno {
		return p.call("fd_filestat_set_times", rwFd, 0, 0, fstMtimNow)
	}, eSuccess},

	// one-directory path functions
	{"path_create_directory ro", func(p *probe) wasip1.Errno { return p.pathCall("path_create_directory", roFd, "d") }, ePerm},
	{"path_create_directory ro subdir", func(p *probe) wasip1.Errno { return p.pathCall("path_create_directory", roSub(p), "d") }, ePerm},
	{"path_remove_directory ro", func(p *probe) wasip1.Errno { return p.pathCall("path_remove_directory", roFd, "emptydir") }, ePerm},
	{"path_unlink_file ro", func(p *probe) wasip1.Errno { return p.pathCall("path_unlink_file", roFd, "secret.txt") }, ePerm},
	{"path_unlink_file ro symlink", func(p *probe) wasip1.Errno { return p.pathCall("path_unlink_file", roFd, "ln") }, ePerm},
	{"path_unlink_file ro subdir", func(p *probe) wasip1.Errno { return p.pathCall("path_unlink_file", roSub(p), "inner.txt") }, ePerm},
	{"path_symlink ro", func(p *probe) wasip1.Errno { return p.symlink("secret.txt", roFd, "planted") }, ePerm},
	{"path_filestat_set_times ro", func(p *probe) wasip1.Errno { return p.pathTimes(roFd, 0, "secret.txt") }, ePerm},
	{"path_filestat_set_times ro follow", func(p *probe) wasip1.Errno { return p.pathTimes(roFd, followLinks, "ln") }, ePerm},
	{"path_filestat_set_times rw symlink into ro", func(p *probe) wasip1.Errno { return p.pathTimes(rwFd, followLinks, "rel") }, eNotcapable},
	{"path_filestat_set_times rw ../ro", func(p *probe) wasip1.Errno { return p.pathTimes(rwFd, 0, "../ro/secret.txt") }, eNotcapable},
	{"path_create_directory rw (control)", func(p *probe) wasip1.Errno { return p.pathCall("path_create_directory", rwFd, "d") }, eSuccess},

	// path_link in every direction
	{"path_link ro to rw", func(p *probe) wasip1.Errno { return p.twoPaths("path_link", roFd, 0, "secret.txt", rwFd, "alias.txt") }, ePerm},
	{"path_link ro to rw follow", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_link", roFd, followLinks, "ln", rwFd, "alias.txt")
	}, ePerm},
	{"path_link ro subdir to rw", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_link", roSub(p), 0, "inner.txt", rwFd, "alias.txt")
	}, ePerm},
	{"path_link rw to ro", func(p *probe) wasip1.Errno { return p.twoPaths("path_link", rwFd, 0, "own.txt", roFd, "alias.txt") }, ePerm},
	{"path_link ro to ro", func(p *probe) wasip1.Errno { return p.twoPaths("path_link", roFd, 0, "secret.txt", roFd, "alias.txt") }, ePerm},
	{"path_link rw ../ro", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_link", rwFd, 0, "../ro/secret.txt", rwFd, "alias.txt")
	}, eNotcapable},
	{"path_link rw symlink into ro follow", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_link", rwFd, followLinks, "rel", rwFd, "alias.txt")
	}, eNotcapable},
	{"path_link rw to rw (control)", func(p *probe) wasip1.Errno { return p.twoPaths("path_link", rwFd, 0, "own.txt", rwFd, "alias.txt") }, eSuccess},

	// path_rename in every direction
	{"path_rename ro to rw", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_rename", roFd, 0, "secret.txt", rwFd, "moved.txt")
	}, ePerm},
	{"path_rename ro dir to rw", func(p *probe) wasip1.Errno { return p.twoPaths("path_rename", roFd, 0, "sub", rwFd, "moved") }, ePerm},
	{"path_rename rw to ro", func(p *probe) wasip1.Errno { return p.twoPaths("path_rename", rwFd, 0, "own.txt", roFd, "secret.txt") }, ePerm},
	{"path_rename ro to ro", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_rename", roFd, 0, "secret.txt", roFd, "moved.txt")
	}, ePerm},
	{"path_rename rw ../ro", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_rename", rwFd, 0, "../ro/secret.txt", rwFd, "moved.txt")
	}, eNotcapable},
	{"path_rename rw onto ../ro", func(p *probe) wasip1.Errno {
		return p.twoPaths("path_rename", rwFd, 0, "own.txt", rwFd, "../ro/secret.txt")
	}, eNotcapable},
	{"path_rename rw to rw (control)", func(p *probe) wasip1.Errno { return p.twoPaths("path_rename", rwFd, 0, "own.txt", rwFd, "moved.txt") }, eSuccess},

	// fd_renumber: the read-only mark travels with the descriptor
	{"fd_renumber ro over rw, then create", func(p *probe) wasip1.Errno {
		if e := p.call("fd_renumber", roFd, rwFd); e != eSuccess {
			return e
		}
		e, _ := p.open(rwFd, "new.txt", 0, oCreat, rightsRW, 0)
		return e
	}, ePerm},
	{"fd_renumber ro over rw, then write", func(p *probe) wasip1.Errno {
		if e := p.call("fd_renumber", roFd, rwFd); e != eSuccess {
			return e
		}
		e, _ := p.open(rwFd, "secret.txt", 0, 0, rightsRW, 0)
		return e
	}, ePerm},
	{"fd_renumber ro file over rw file, then write", func(p *probe) wasip1.Errno {
		w := p.mustOpen(rwFd, "own.txt", 0, 0, rightsRW)
		if e := p.call("fd_renumber", uint64(roFile(p)), uint64(w)); e != eSuccess {
			return e
		}
		e, _ := p.write(w, "x")
		return e
	}, eBadf},
	{"fd_renumber rw over ro, then create (lands in rw)", func(p *probe) wasip1.Errno {
		if e := p.call("fd_renumber", rwFd, roFd); e != eSuccess {
			return e
		}
		e, _ := p.open(roFd, "new.txt", 0, oCreat, rightsRW, 0)
		return e
	}, eSuccess},
}

func TestReadOnlyPreopens(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		for _, c := range roCases {
			t.Run(c.name, func(t *testing.T) {
				p, ro, _ := roSandbox(t)
				before := treeState(t, ro)
				expectErrno(t, c.name, c.do(p), c.want)
				checkTreeSame(t, before, treeState(t, ro))
			})
		}
	})
}

// TestReadOnlyRenumberedLandsInRW: after fd_renumber puts /rw's entry on
// /ro's number, what is created through that number is in rw on the host.
func TestReadOnlyRenumberedLandsInRW(t *testing.T) {
	p, ro, rw := roSandbox(t)
	before := treeState(t, ro)
	expectErrno(t, "renumber", p.call("fd_renumber", rwFd, roFd), eSuccess)
	e, fd := p.open(roFd, "new.txt", 0, oCreat, rightsRW, 0)
	expectErrno(t, "create", e, eSuccess)
	p.write(fd, "hello")
	if b, err := os.ReadFile(filepath.Join(rw, "new.txt")); err != nil || string(b) != "hello" {
		t.Errorf("rw/new.txt: %q, %v", b, err)
	}
	checkTreeSame(t, before, treeState(t, ro))
}

// TestReadOnlyFSPreopenTwoPaths: an fs.FS preopen is read-only on both
// sides of a link or rename, like a read-only host directory.
func TestReadOnlyFSPreopenTwoPaths(t *testing.T) {
	rw := t.TempDir()
	must(t, os.WriteFile(filepath.Join(rw, "own.txt"), []byte("mine"), 0o644))
	p := newProbe(t, wasi.Config{Preopens: []wasi.Preopen{
		{Guest: "/fs", FS: fstest.MapFS{"f.txt": {Data: []byte("fs")}}},
		{Guest: "/rw", Host: rw},
	}})
	expectErrno(t, "link fs to rw", p.twoPaths("path_link", roFd, 0, "f.txt", rwFd, "alias"), ePerm)
	expectErrno(t, "link rw to fs", p.twoPaths("path_link", rwFd, 0, "own.txt", roFd, "alias"), ePerm)
	expectErrno(t, "rename fs to rw", p.twoPaths("path_rename", roFd, 0, "f.txt", rwFd, "moved"), ePerm)
	expectErrno(t, "rename rw to fs", p.twoPaths("path_rename", rwFd, 0, "own.txt", roFd, "moved"), ePerm)
	expectErrno(t, "set_times fs", p.pathTimes(roFd, 0, "f.txt"), ePerm)
	e, _ := p.open(roFd, "f.txt", 0, 0, rightsRW, 0)
	expectErrno(t, "open fs for writing", e, ePerm)
	fd := p.mustOpen(roFd, "f.txt", 0, 0, readRights)
	expectErrno(t, "set_size fs file", p.call("fd_filestat_set_size", uint64(fd), 0), ePerm)
	if ents, _ := os.ReadDir(rw); len(ents) != 1 {
		t.Errorf("rw holds %d entries, want 1", len(ents))
	}
}

// TestReadOnlySymlinkRace flips a symlink in /rw between a file of /rw and
// /ro's secret (by absolute host path, and by "..") while the guest opens
// it for writing with O_TRUNC and writes: no open may ever land in /ro.
func TestReadOnlySymlinkRace(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		p, ro, rw := roSandbox(t)
		before := treeState(t, ro)
		targets := []string{"own.txt", filepath.Join(ro, "secret.txt"), "own.txt", "../ro/secret.txt", "absdir/secret.txt"}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			flip, tmpLink := filepath.Join(rw, "flip"), filepath.Join(rw, "flip.tmp")
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				os.Remove(tmpLink)
				if os.Symlink(targets[i%len(targets)], tmpLink) == nil {
					os.Rename(tmpLink, flip)
				}
			}
		}()
		opened, refused := 0, 0
		deadline := time.Now().Add(300 * time.Millisecond)
		for i := 0; i < 5000 && time.Now().Before(deadline); i++ {
			e, fd := p.open(rwFd, "flip", followLinks, oTrunc, rightsRW, 0)
			if e != eSuccess {
				refused++
				continue
			}
			opened++
			p.write(fd, "pwned")
			p.call("fd_close", uint64(fd))
		}
		close(stop)
		wg.Wait()
		t.Logf("%d opens landed in rw, %d refused", opened, refused)
		checkTreeSame(t, before, treeState(t, ro))
	})
}

// readOnlyByNature are the functions that cannot change a file system, so
// roCases has no case for them.
var readOnlyByNature = []string{
	"args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
	"clock_time_get", "fd_advise", "fd_close", "fd_datasync", "fd_fdstat_get",
	"fd_filestat_get", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_read",
	"fd_readdir", "fd_seek", "fd_sync", "fd_tell", "path_filestat_get", "path_readlink",
	"poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
	"sock_recv", "sock_send", "sock_shutdown",
}

// TestReadOnlyCasesCoverEveryFunction: every WASI function either cannot
// change a file system or has a case in roCases, so a function added later
// cannot be forgotten.
func TestReadOnlyCasesCoverEveryFunction(t *testing.T) {
	p := newProbe(t, wasi.Config{})
	for _, ex := range p.inst.Exports() {
		name := ex.Name
		if _, ok := ex.Type.(moat.FuncType); !ok || slices.Contains(readOnlyByNature, name) {
			continue
		}
		if !slices.ContainsFunc(roCases, func(c roCase) bool { return strings.HasPrefix(c.name, name+" ") }) {
			t.Errorf("%s can change files but has no read-only case", name)
		}
	}
}
