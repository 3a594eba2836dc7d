package wasi_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

func hostProbe(t *testing.T) (*probe, string) {
	t.Helper()
	root := t.TempDir()
	return newProbe(t, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/data", Host: root}}}), root
}

func TestPrestat(t *testing.T) {
	p, _ := hostProbe(t)
	expectErrno(t, "prestat_get", p.call("fd_prestat_get", preopenFd, outPtr), eSuccess)
	if tag, n := p.bytes(outPtr, 1)[0], p.u32(outPtr+4); tag != 0 || n != 5 {
		t.Errorf("prestat = tag %d len %d, want 0 5", tag, n)
	}
	expectErrno(t, "dir_name short", p.call("fd_prestat_dir_name", preopenFd, bufPtr, 4), wasip1.ENAMETOOLONG)
	expectErrno(t, "dir_name", p.call("fd_prestat_dir_name", preopenFd, bufPtr, 5), eSuccess)
	if got := string(p.bytes(bufPtr, 5)); got != "/data" {
		t.Errorf("dir_name = %q", got)
	}
	expectErrno(t, "prestat of stdout", p.call("fd_prestat_get", 1, outPtr), eBadf)
	expectErrno(t, "prestat of fd 9", p.call("fd_prestat_get", 9, outPtr), eBadf)
	expectErrno(t, "prestat to a bad pointer", p.call("fd_prestat_get", preopenFd, 1<<20), eFault)
}

func TestOpenFlags(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		p, root := hostProbe(t)
		e, fd := p.open(preopenFd, "f", 0, oCreat|oExcl, rightsRW, 0)
		expectErrno(t, "creat|excl", e, eSuccess)
		if e, n := p.write(fd, "hello world"); e != eSuccess || n != 11 {
			t.Fatalf("write: %v %d", e, n)
		}
		p.call("fd_close", uint64(fd))
		e, _ = p.open(preopenFd, "f", 0, oCreat|oExcl, rightsRW, 0)
		expectErrno(t, "creat|excl on an existing file", e, eExist)
		e, _ = p.open(preopenFd, "missing", 0, 0, rightRead, 0)
		expectErrno(t, "open missing", e, eNoent)
		e, _ = p.open(preopenFd, "f", 0, oDirectory, rightRead, 0)
		expectErrno(t, "O_DIRECTORY on a file", e, eNotdir)
		e, _ = p.open(preopenFd, "f/", 0, 0, rightRead, 0)
		expectErrno(t, "trailing slash on a file", e, eNotdir)

		// O_APPEND: writes land at the end whatever the offset
		e, fd = p.open(preopenFd, "f", 0, 0, rightsRW, fdAppend)
		expectErrno(t, "open append", e, eSuccess)
		expectErrno(t, "seek set 0", p.call("fd_seek", uint64(fd), 0, 0, outPtr), eSuccess)
		p.write(fd, "!")
		p.call("fd_close", uint64(fd))
		if b, _ := os.ReadFile(filepath.Join(root, "f")); string(b) != "hello world!" {
			t.Errorf("after append: %q", b)
		}

		// fd_seek whence values and fd_tell
		e, fd = p.open(preopenFd, "f", 0, 0, rightsRW, 0)
		expectErrno(t, "open", e, eSuccess)
		for _, c := range []struct {
			off    int64
			whence uint64
			want   uint64
		}{{6, 0, 6}, {2, 1, 8}, {-3, 2, 9}, {0, 1, 9}} {
			expectErrno(t, "seek", p.call("fd_seek", uint64(fd), uint64(c.off), c.whence, outPtr), eSuccess)
			if got := p.u64(outPtr); got != c.want {
				t.Errorf("seek(%d, %d) = %d, want %d", c.off, c.whence, got, c.want)
			}
		}
		expectErrno(t, "seek bad whence", p.call("fd_seek", uint64(fd), 0, 3, outPtr), eInval)
		expectErrno(t, "seek before start", p.call("fd_seek", uint64(fd), uint64(^uint64(0)), 0, outPtr), eInval)
		expectErrno(t, "tell", p.call("fd_tell", uint64(fd), outPtr), eSuccess)
		if got := p.u64(outPtr); got != 9 {
			t.Errorf("tell = %d", got)
		}
		if _, got := p.read(fd, 10); got != "ld!" {
			t.Errorf("read after seek: %q", got)
		}
		p.call("fd_close", uint64(fd))

		// O_TRUNC
		e, fd = p.open(preopenFd, "f", 0, oTrunc, rightsRW, 0)
		expectErrno(t, "trunc", e, eSuccess)
		expectErrno(t, "filestat", p.call("fd_filestat_get", uint64(fd), bufPtr), eSuccess)
		if size := p.u64(bufPtr + 32); size != 0 {
			t.Errorf("size after O_TRUNC = %d", size)
		}
		if typ := p.bytes(bufPtr+16, 1)[0]; typ != byte(wasip1.FiletypeRegularFile) {
			t.Errorf("filetype = %d", typ)
		}
		p.call("fd_close", uint64(fd))
		expectErrno(t, "close twice", p.call("fd_close", uint64(fd)), eBadf)
	})
}

func TestRights(t *testing.T) {
	p, root := hostProbe(t)
	must(t, os.WriteFile(filepath.Join(root, "r"), []byte("data"), 0o644))
	e, fd := p.open(preopenFd, "r", 0, 0, rightRead|rightSeek, 0)
	expectErrno(t, "open read-only", e, eSuccess)
	e, _ = p.write(fd, "x")
	expectErrno(t, "write to a read-only fd", e, eBadf)
	expectErrno(t, "set_size on a read-only fd", p.call("fd_filestat_set_size", uint64(fd), 0), eNotcapable)
	// fdstat reports the rights; set_rights can drop but never add
	expectErrno(t, "fdstat", p.call("fd_fdstat_get", uint64(fd), bufPtr), eSuccess)
	base := p.u64(bufPtr + 8)
	if base&rightRead == 0 || base&rightWrite != 0 {
		t.Errorf("rights base %#x", base)
	}
	expectErrno(t, "drop read", p.call("fd_fdstat_set_rights", uint64(fd), base&^rightRead, 0), eSuccess)
	e, _ = p.read(fd, 4)
	expectErrno(t, "read without the right", e, eBadf)
	expectErrno(t, "regrant read", p.call("fd_fdstat_set_rights", uint64(fd), base, 0), eNotcapable)
	// a directory's rights bound what it hands down
	expectErrno(t, "drop path_open", p.call("fd_fdstat_set_rights", preopenFd, 0, 0), eSuccess)
	e, _ = p.open(preopenFd, "r", 0, 0, rightRead, 0)
	expectErrno(t, "open without path_open", e, eNotcapable)
	if b, _ := os.ReadFile(filepath.Join(root, "r")); string(b) != "data" {
		t.Errorf("file changed: %q", b)
	}
}

func TestReaddir(t *testing.T) {
	p, root := hostProbe(t)
	must(t, os.WriteFile(filepath.Join(root, "a"), nil, 0o644))
	must(t, os.Mkdir(filepath.Join(root, "dir"), 0o755))
	must(t, os.Symlink("a", filepath.Join(root, "ln")))
	// whole listing in one big buffer
	expectErrno(t, "readdir", p.call("fd_readdir", preopenFd, bufPtr, 4096, 0, outPtr), eSuccess)
	used := p.u32(outPtr)
	buf := p.bytes(bufPtr, used)
	got := map[string]byte{}
	var cookies []uint64
	for off := 0; off < len(buf); {
		next := binary.LittleEndian.Uint64(buf[off:])
		namlen := int(binary.LittleEndian.Uint32(buf[off+16:]))
		typ := buf[off+20]
		name := string(buf[off+24 : off+24+namlen])
		got[name] = typ
		cookies = append(cookies, next)
		off += 24 + namlen
	}
	want := map[string]wasip1.Filetype{".": 3, "..": 3, "a": 4, "dir": 3, "ln": 7}
	if len(got) != len(want) {
		t.Fatalf("readdir names %v", got)
	}
	for name, typ := range want {
		if got[name] != byte(typ) {
			t.Errorf("entry %q type %d, want %d", name, got[name], typ)
		}
	}
	for i, c := range cookies {
		if c != uint64(i+1) {
			t.Errorf("cookie %d = %d", i, c)
		}
	}
	// resuming from cookie 3 gives the last two entries
	expectErrno(t, "readdir from 3", p.call("fd_readdir", preopenFd, bufPtr, 4096, 3, outPtr), eSuccess)
	rest := p.bytes(bufPtr, p.u32(outPtr))
	if n := binary.LittleEndian.Uint64(rest[0:]); n != 4 {
		t.Errorf("first cookie after 3 = %d", n)
	}
	// a small buffer is filled completely, the last entry cut short
	expectErrno(t, "readdir small", p.call("fd_readdir", preopenFd, bufPtr, 30, 0, outPtr), eSuccess)
	if used := p.u32(outPtr); used != 30 {
		t.Errorf("bufused = %d, want 30 (full)", used)
	}
	// past the end: nothing
	expectErrno(t, "readdir at end", p.call("fd_readdir", preopenFd, bufPtr, 4096, 99, outPtr), eSuccess)
	if used := p.u32(outPtr); used != 0 {
		t.Errorf("bufused at end = %d", used)
	}
	expectErrno(t, "readdir of a file", p.call("fd_readdir", 1, bufPtr, 4096, 0, outPtr), eNotcapable)
}

func TestPathOps(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		p, root := hostProbe(t)
		expectErrno(t, "mkdir", p.pathCall("path_create_directory", preopenFd, "d"), eSuccess)
		expectErrno(t, "mkdir again", p.pathCall("path_create_directory", preopenFd, "d"), eExist)
		e, fd := p.open(preopenFd, "d/f", 0, oCreat, rightsRW, 0)
		expectErrno(t, "create d/f", e, eSuccess)
		p.call("fd_close", uint64(fd))
		expectErrno(t, "rmdir non-empty", p.pathCall("path_remove_directory", preopenFd, "d"), wasip1.ENOTEMPTY)
		expectErrno(t, "unlink a dir", p.pathCall("path_unlink_file", preopenFd, "d"), eIsdir)
		expectErrno(t, "unlink file/", p.pathCall("path_unlink_file", preopenFd, "d/f/"), eNotdir)
		o, on := p.put(pathPtr, "d/f")
		n, nn := p.put(path2, "g")
		expectErrno(t, "rename", p.call("path_rename", preopenFd, o, on, preopenFd, n, nn), eSuccess)
		o, on = p.put(pathPtr, "g")
		n, nn = p.put(path2, "h")
		expectErrno(t, "link", p.call("path_link", preopenFd, 0, o, on, preopenFd, n, nn), eSuccess)
		expectErrno(t, "filestat h", p.call("path_filestat_get", preopenFd, 0, n, nn, bufPtr), eSuccess)
		if nlink := p.u64(bufPtr + 24); nlink != 2 {
			t.Errorf("nlink = %d", nlink)
		}
		tg, tn := p.put(path2, "g")
		o, on = p.put(pathPtr, "s")
		expectErrno(t, "symlink", p.call("path_symlink", tg, tn, preopenFd, o, on), eSuccess)
		expectErrno(t, "readlink", p.call("path_readlink", preopenFd, o, on, bufPtr, 64, outPtr), eSuccess)
		if got := string(p.bytes(bufPtr, p.u32(outPtr))); got != "g" {
			t.Errorf("readlink = %q", got)
		}
		// set times through the symlink (follow) changes the target
		const fstMtim = 4
		expectErrno(t, "set_times", p.call("path_filestat_set_times", preopenFd, followLinks, o, on, 0, 1e9*1000, fstMtim), eSuccess)
		fi, err := os.Stat(filepath.Join(root, "g"))
		must(t, err)
		if fi.ModTime().Unix() != 1000 {
			t.Errorf("mtime = %v", fi.ModTime())
		}
		expectErrno(t, "set_times both flags", p.call("path_filestat_set_times", preopenFd, 0, o, on, 0, 0, 4|8), eInval)
		for _, name := range []string{"s", "g", "h"} {
			expectErrno(t, "unlink "+name, p.pathCall("path_unlink_file", preopenFd, name), eSuccess)
		}
		expectErrno(t, "rmdir", p.pathCall("path_remove_directory", preopenFd, "d"), eSuccess)
		expectErrno(t, "empty path", p.pathCall("path_create_directory", preopenFd, ""), eNoent)
		expectErrno(t, "path out of memory", p.call("path_create_directory", preopenFd, 1<<17-2, 10), eFault)
	})
}

func TestFSPreopen(t *testing.T) {
	fsys := fstest.MapFS{
		"hello.txt":     {Data: []byte("hello from fs")},
		"sub/inner.txt": {Data: []byte("inner")},
	}
	p := newProbe(t, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/ro", FS: fsys}}})
	e, fd := p.open(preopenFd, "sub/../hello.txt", 0, 0, rightRead|rightSeek, 0)
	expectErrno(t, "open", e, eSuccess)
	if _, got := p.read(fd, 100); got != "hello from fs" {
		t.Errorf("read %q", got)
	}
	expectErrno(t, "seek", p.call("fd_seek", uint64(fd), 6, 0, outPtr), eSuccess)
	if _, got := p.read(fd, 100); got != "from fs" {
		t.Errorf("read after seek %q", got)
	}
	e, _ = p.open(preopenFd, "../x", 0, 0, rightRead, 0)
	expectErrno(t, "open ..", e, eNotcapable)
	e, _ = p.open(preopenFd, "nope", 0, 0, rightRead, 0)
	expectErrno(t, "open missing", e, eNoent)
	e, _ = p.open(preopenFd, "new", 0, oCreat, rightRead, 0)
	expectErrno(t, "create", e, ePerm)
	expectErrno(t, "mkdir", p.pathCall("path_create_directory", preopenFd, "d"), ePerm)
	o, on := p.put(pathPtr, "sub/inner.txt")
	expectErrno(t, "filestat", p.call("path_filestat_get", preopenFd, 0, o, on, bufPtr), eSuccess)
	if size := p.u64(bufPtr + 32); size != 5 {
		t.Errorf("size = %d", size)
	}
	expectErrno(t, "readdir", p.call("fd_readdir", preopenFd, bufPtr, 4096, 0, outPtr), eSuccess)
	if used := int(p.u32(outPtr)); used != 4*24+1+2+len("hello.txt")+len("sub") {
		t.Errorf("readdir used %d bytes", used)
	}
}

func TestAttachErrors(t *testing.T) {
	p := newProbe(t, wasi.Config{})
	_ = p
	for _, pre := range []wasi.Preopen{
		{Guest: "/", Host: filepath.Join(t.TempDir(), "missing")},
		{Guest: "/"},
		{Guest: "", Host: t.TempDir()},
	} {
		if _, err := wasi.Attach(p.inst.Store(), wasi.Config{Preopens: []wasi.Preopen{pre}}); err == nil {
			t.Errorf("Attach with %+v succeeded", pre)
		}
	}
}
