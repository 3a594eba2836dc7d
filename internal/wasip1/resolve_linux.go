package wasip1

import (
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// openat2Off forces the component-by-component walk instead of openat2: set
// when the kernel lacks openat2 (ENOSYS) and by tests.
var openat2Off atomic.Bool

// beneath is how openat2 keeps every lookup under the starting directory:
// no "..", absolute path or symlink may leave it, and /proc magic links are
// refused. The kernel checks during the lookup itself, so no race between
// a check and an open can escape.
const beneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// openat2Beneath opens path under dirfd with openat2, reporting
// handled=false when the kernel has no openat2 (the caller then walks).
func openat2Beneath(dirfd int, path string, flags int, mode uint32) (fd int, handled bool, err error) {
	if openat2Off.Load() {
		return -1, false, nil
	}
	if flags&unix.O_CREAT == 0 {
		mode = 0 // openat2 insists
	}
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: uint64(mode), Resolve: beneath}
	for tries := 0; ; tries++ {
		fd, err = unix.Openat2(dirfd, path, &how)
		switch err {
		case unix.ENOSYS:
			// an old kernel, or a seccomp filter refusing the call
			openat2Off.Store(true)
			return -1, false, nil
		case unix.EAGAIN:
			// a concurrent rename or mount was seen during the lookup
			if tries < 16 {
				continue
			}
		case unix.EXDEV:
			// the lookup tried to leave dirfd
			return -1, true, ENOTCAPABLE
		}
		return fd, true, err
	}
}

// openDir opens the directory comps names under dirfd for use as the base
// of further *at calls. owned says whether fd must be closed.
func openDir(dirfd int, comps []string, links *int) (fd int, owned bool, err error) {
	if len(comps) == 0 || (len(comps) == 1 && comps[0] == ".") {
		return dirfd, false, nil
	}
	fd, handled, err := openat2Beneath(dirfd, strings.Join(comps, "/"), unix.O_PATH|unix.O_DIRECTORY, 0)
	if handled {
		if err != nil {
			return -1, false, err
		}
		return fd, true, nil
	}
	return walkDir(dirfd, comps, links)
}

// openPath opens path under dirfd with flags (O_NOFOLLOW added unless
// follow), keeping the lookup beneath dirfd.
func openPath(dirfd int, path string, flags int, mode uint32, follow bool) (int, error) {
	comps, mustDir, errno := splitPath(path)
	if errno != ESUCCESS {
		return -1, errno
	}
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	if !openat2Off.Load() {
		clean := strings.Join(comps, "/")
		if mustDir {
			clean += "/"
		}
		fd, handled, err := openat2Beneath(dirfd, clean, flags, mode)
		if handled {
			return fd, err
		}
	}
	return walkOpen(dirfd, comps, mustDir, flags, mode, follow)
}

// opathFlags are the flags the walk opens intermediate directories with.
const opathFlags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// parent is a resolved path: the directory holding the final component
// (owned says whether we must close it) and that component's name.
type parent struct {
	dir     int
	owned   bool
	name    string
	mustDir bool
}

func (p parent) close() {
	if p.owned {
		unix.Close(p.dir)
	}
}

// parentOf resolves every component of comps but the last beneath dirfd;
// with followLast, a final symlink is replaced by its target (again beneath
// dirfd) until the name is not a symlink.
func parentOf(dirfd int, comps []string, mustDir, followLast bool, links *int) (parent, error) {
	for {
		dirComps, name := splitLast(comps)
		fd, owned, err := openDir(dirfd, dirComps, links)
		if err != nil {
			return parent{}, err
		}
		p := parent{dir: fd, owned: owned, name: name, mustDir: mustDir}
		if !followLast || name == "." {
			return p, nil
		}
		target, err := readlink(fd, name)
		if err != nil {
			return p, nil // not a symlink (or absent): the name is final
		}
		p.close()
		if *links++; *links > maxSymlinks {
			return parent{}, ELOOP
		}
		spliced, trailing, errno := spliceLink(dirComps, target)
		if errno != ESUCCESS {
			return parent{}, errno
		}
		comps, mustDir = spliced, mustDir || trailing
	}
}

// resolvePath checks path and resolves it to its parent beneath dirfd.
func resolvePath(dirfd int, path string, followLast bool) (parent, error) {
	comps, mustDir, errno := splitPath(path)
	if errno != ESUCCESS {
		return parent{}, errno
	}
	links := 0
	return parentOf(dirfd, comps, mustDir, followLast, &links)
}

// UseOpenat2 turns the openat2 lookup on or off (off: the descriptor walk
// that old kernels and other systems use) and returns the previous
// setting. Tests use it to cover both paths.
func UseOpenat2(on bool) (was bool) { return !openat2Off.Swap(!on) }
