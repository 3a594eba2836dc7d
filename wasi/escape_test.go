package wasi_test

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/moat-run/moat/internal/wasip1"
	"github.com/moat-run/moat/wasi"
)

// Capability safety: a guest reaches nothing outside its preopen, whatever
// path it names. Every test runs twice: with openat2(RESOLVE_BENEATH), and
// with the descriptor walk that old kernels and other systems use.

// lookupModes runs f once per lookup implementation.
func lookupModes(t *testing.T, f func(t *testing.T)) {
	for _, mode := range []struct {
		name    string
		openat2 bool
	}{{"openat2", true}, {"walk", false}} {
		t.Run(mode.name, func(t *testing.T) {
			was := wasip1.UseOpenat2(mode.openat2)
			defer wasip1.UseOpenat2(was)
			f(t)
		})
	}
}

// sandbox makes tmp/root (the preopen) and tmp/outside (holding a secret),
// with host symlinks from inside pointing out in every way.
func sandbox(t *testing.T) (root, outside string) {
	t.Helper()
	tmp := t.TempDir()
	root, outside = filepath.Join(tmp, "root"), filepath.Join(tmp, "outside")
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.MkdirAll(outside, 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("TOP SECRET"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "file"), []byte("inside"), 0o644))
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must(t, os.Chtimes(filepath.Join(outside, "secret"), old, old))
	links := map[string]string{
		"out":    "../outside/secret",
		"abs":    filepath.Join(outside, "secret"),
		"absdir": outside,
		"outdir": "../outside",
		"chain1": "chain2",
		"chain2": "sub/../../outside/secret",
		"dang":   "../outside/created",
		"loop":   "loop",
		"sub/up": "../../outside/secret",
		"inside": "file",
	}
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(root, name)))
	}
	return root, outside
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkOutsideUntouched asserts the outside folder still holds exactly the
// secret, unchanged.
func checkOutsideUntouched(t *testing.T, outside string) {
	t.Helper()
	ents, err := os.ReadDir(outside)
	must(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 1 || names[0] != "secret" {
		t.Errorf("outside folder now holds %v, want only [secret]", names)
	}
	b, err := os.ReadFile(filepath.Join(outside, "secret"))
	must(t, err)
	if string(b) != "TOP SECRET" {
		t.Errorf("outside secret now reads %q", b)
	}
	fi, err := os.Stat(filepath.Join(outside, "secret"))
	must(t, err)
	if fi.ModTime().Year() != 2001 {
		t.Errorf("outside secret's mtime changed to %v", fi.ModTime())
	}
}

func TestEscapesRefused(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		root, outside := sandbox(t)
		p := newProbe(t, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: root}}})
		opens := []struct {
			path   string
			lookup uint64
			oflags uint64
			rights uint64
			want   wasip1.Errno
		}{
			{"../outside/secret", 0, 0, rightRead, eNotcapable},
			{"/etc/passwd", followLinks, 0, rightRead, eNotcapable},
			{"sub/../../outside/secret", followLinks, 0, rightRead, eNotcapable},
			{"sub/../sub/../..", followLinks, oDirectory, 0, eNotcapable},
			{"out", followLinks, 0, rightRead, eNotcapable},
			{"out", 0, 0, rightRead, eLoop},
			{"abs", followLinks, 0, rightRead, eNotcapable},
			{"absdir/secret", 0, 0, rightRead, eNotcapable},
			{"outdir/secret", 0, 0, rightRead, eNotcapable},
			{"outdir/", followLinks, oDirectory, 0, eNotcapable},
			{"chain1", followLinks, 0, rightRead, eNotcapable},
			{"dang", followLinks, oCreat, rightsRW, eNotcapable},
			{"out", followLinks, oTrunc, rightsRW, eNotcapable},
			{"sub/up", followLinks, 0, rightRead, eNotcapable},
			{"loop", followLinks, 0, rightRead, eLoop},
		}
		for _, c := range opens {
			e, fd := p.open(preopenFd, c.path, c.lookup, c.oflags, c.rights, 0)
			if e == eSuccess {
				_, got := p.read(fd, 64)
				t.Errorf("path_open(%q, lookup %d): opened, read %q; want %v", c.path, c.lookup, got, c.want)
				continue
			}
			expectErrno(t, "path_open("+c.path+")", e, c.want)
		}

		expectErrno(t, "mkdir ../outside/new", p.pathCall("path_create_directory", preopenFd, "../outside/new"), eNotcapable)
		expectErrno(t, "mkdir outdir/new", p.pathCall("path_create_directory", preopenFd, "outdir/new"), eNotcapable)
		expectErrno(t, "rmdir ../outside", p.pathCall("path_remove_directory", preopenFd, "../outside"), eNotcapable)
		expectErrno(t, "unlink ../outside/secret", p.pathCall("path_unlink_file", preopenFd, "../outside/secret"), eNotcapable)
		expectErrno(t, "unlink outdir/secret", p.pathCall("path_unlink_file", preopenFd, "outdir/secret"), eNotcapable)

		o, on := p.put(pathPtr, "file")
		n, nn := p.put(path2, "../outside/moved")
		expectErrno(t, "rename file -> ../outside/moved", p.call("path_rename", preopenFd, o, on, preopenFd, n, nn), eNotcapable)
		o, on = p.put(pathPtr, "outdir/secret")
		n, nn = p.put(path2, "stolen")
		expectErrno(t, "rename outdir/secret -> stolen", p.call("path_rename", preopenFd, o, on, preopenFd, n, nn), eNotcapable)
		expectErrno(t, "link outdir/secret -> stolen", p.call("path_link", preopenFd, 0, o, on, preopenFd, n, nn), eNotcapable)
		o, on = p.put(pathPtr, "out")
		expectErrno(t, "link (follow) out -> stolen", p.call("path_link", preopenFd, followLinks, o, on, preopenFd, n, nn), eNotcapable)

		tg, tn := p.put(path2, "/etc/passwd")
		o, on = p.put(pathPtr, "planted")
		expectErrno(t, "symlink to an absolute path", p.call("path_symlink", tg, tn, preopenFd, o, on), ePerm)

		o, on = p.put(pathPtr, "out")
		expectErrno(t, "filestat (follow) out", p.call("path_filestat_get", preopenFd, followLinks, o, on, bufPtr), eNotcapable)
		expectErrno(t, "filestat (nofollow) out", p.call("path_filestat_get", preopenFd, 0, o, on, bufPtr), eSuccess)
		const fstMtimNow = 8
		expectErrno(t, "set_times (follow) out", p.call("path_filestat_set_times", preopenFd, followLinks, o, on, 0, 0, fstMtimNow), eNotcapable)
		o, on = p.put(pathPtr, "outdir/secret")
		expectErrno(t, "set_times outdir/secret", p.call("path_filestat_set_times", preopenFd, 0, o, on, 0, 0, fstMtimNow), eNotcapable)

		// a directory descriptor is its own root, even inside the preopen
		e, subfd := p.open(preopenFd, "sub", 0, oDirectory, dirRights, 0)
		expectErrno(t, "open sub", e, eSuccess)
		e, _ = p.open(subfd, "../file", 0, 0, rightRead, 0)
		expectErrno(t, "open ../file from sub", e, eNotcapable)

		// and the links that stay inside work
		e, fd := p.open(preopenFd, "inside", followLinks, 0, rightRead, 0)
		expectErrno(t, "open inside link", e, eSuccess)
		if _, got := p.read(fd, 64); got != "inside" {
			t.Errorf("read through inside link: %q", got)
		}
		o, on = p.put(pathPtr, "out")
		expectErrno(t, "readlink out", p.call("path_readlink", preopenFd, o, on, bufPtr, 64, outPtr), eSuccess)
		if got := string(p.bytes(bufPtr, p.u32(outPtr))); got != "../outside/secret" {
			t.Errorf("readlink out = %q", got)
		}
		checkOutsideUntouched(t, outside)
	})
}

// TestEscapeRace flips a symlink between a directory inside the sandbox
// and one outside while the guest opens through it: no open may ever land
// outside (the check and the open are one kernel lookup, or a walk on
// descriptors we hold).
func TestEscapeRace(t *testing.T) {
	lookupModes(t, func(t *testing.T) {
		root, outside := sandbox(t)
		must(t, os.WriteFile(filepath.Join(root, "sub", "secret"), []byte("inside"), 0o644))
		p := newProbe(t, wasi.Config{Preopens: []wasi.Preopen{{Guest: "/", Host: root}}})
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			flip, tmpLink := filepath.Join(root, "flip"), filepath.Join(root, "flip.tmp")
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				target := "sub"
				if i%2 == 1 {
					target = "../outside"
				}
				os.Remove(tmpLink)
				if os.Symlink(target, tmpLink) == nil {
					os.Rename(tmpLink, flip)
				}
			}
		}()
		opened, refused := 0, 0
		deadline := time.Now().Add(300 * time.Millisecond)
		for i := 0; i < 5000 && time.Now().Before(deadline); i++ {
			e, fd := p.open(preopenFd, "flip/secret", followLinks, 0, rightRead, 0)
			if e != eSuccess {
				refused++
				continue
			}
			opened++
			if _, got := p.read(fd, 64); got != "inside" {
				t.Fatalf("open %d through a flipping link read %q: escaped the sandbox", i, got)
			}
			p.call("fd_close", uint64(fd))
		}
		close(stop)
		wg.Wait()
		t.Logf("%d opens landed inside, %d refused", opened, refused)
		checkOutsideUntouched(t, outside)
	})
}
