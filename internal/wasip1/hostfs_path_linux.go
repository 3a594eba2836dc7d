package wasip1

import (
	"golang.org/x/sys/unix"
)

// The path operations of a host directory. Each resolves its path beneath
// the directory (openat2 or the walk) and then acts on the final name with
// an *at call that does not follow symlinks.

func (n *hostNode) dirOnly() Errno {
	if n.typ != FiletypeDirectory {
		return ENOTDIR
	}
	return ESUCCESS
}

func (n *hostNode) openAt(path string, r openReq) (node, Errno) {
	if e := n.dirOnly(); e != ESUCCESS {
		return nil, e
	}
	flags := unix.O_RDONLY
	switch {
	case r.read && r.write:
		flags = unix.O_RDWR
	case r.write:
		flags = unix.O_WRONLY
	}
	if r.oflags&OflagCreat != 0 {
		flags |= unix.O_CREAT
	}
	if r.oflags&OflagExcl != 0 {
		flags |= unix.O_EXCL
	}
	if r.oflags&OflagTrunc != 0 {
		flags |= unix.O_TRUNC
	}
	if r.oflags&OflagDirectory != 0 {
		flags |= unix.O_DIRECTORY
	}
	if r.fdflags&FdflagAppend != 0 {
		flags |= unix.O_APPEND
	}
	if r.fdflags&FdflagDsync != 0 {
		flags |= unix.O_DSYNC
	}
	if r.fdflags&(FdflagSync|FdflagRsync) != 0 {
		flags |= unix.O_SYNC
	}
	// O_NONBLOCK: opening a FIFO must not wait for its other end
	// (hostfs_special_linux.go)
	flags |= unix.O_NOCTTY | unix.O_CLOEXEC | unix.O_NONBLOCK
	fd, err := openPath(n.fd, path, flags, 0o666, r.follow)
	if err != nil {
		return nil, errnoOf(err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, errnoOf(err)
	}
	opened, err := adoptOpened(fd, st.Mode, flags, r.fdflags&FdflagNonblock != 0)
	if err != nil {
		unix.Close(fd)
		return nil, errnoOf(err)
	}
	return opened, ESUCCESS
}

// lstatAt reads the final name's attributes without following it.
func lstatAt(p parent) (unix.Stat_t, Errno) {
	var st unix.Stat_t
	if err := unix.Fstatat(p.dir, p.name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, errnoOf(err)
	}
	return st, ESUCCESS
}

func isDirMode(m uint32) bool { return m&unix.S_IFMT == unix.S_IFDIR }

// resolve resolves path beneath n, which must be a directory.
func (n *hostNode) resolve(path string, follow bool) (parent, Errno) {
	if e := n.dirOnly(); e != ESUCCESS {
		return parent{}, e
	}
	p, err := resolvePath(n.fd, path, follow)
	if err != nil {
		return parent{}, errnoOf(err)
	}
	return p, ESUCCESS
}

func (n *hostNode) mkdirAt(path string) Errno {
	p, e := n.resolve(path, false)
	if e != ESUCCESS {
		return e
	}
	defer p.close()
	return errnoOf(unix.Mkdirat(p.dir, p.name, 0o777))
}

func (n *hostNode) rmdirAt(path string) Errno {
	p, e := n.resolve(path, false)
	if e != ESUCCESS {
		return e
	}
	defer p.close()
	return errnoOf(unix.Unlinkat(p.dir, p.name, unix.AT_REMOVEDIR))
}

func (n *hostNode) unlinkAt(path string) Errno {
	p, e := n.resolve(path, false)
	if e != ESUCCESS {
		return e
	}
	defer p.close()
	if p.mustDir {
		return slashErrno(p, EISDIR)
	}
	return errnoOf(unix.Unlinkat(p.dir, p.name, 0))
}

// checkDirSlash refuses a trailing slash on a name that is not a directory.
func checkDirSlash(p parent, slashed bool) Errno {
	if !slashed {
		return ESUCCESS
	}
	return slashErrno(p, ESUCCESS)
}

// slashErrno answers for a trailing slash on p's name: lstat's error,
// ENOTDIR when the name is not a directory, and ifDir when it is.
func slashErrno(p parent, ifDir Errno) Errno {
	st, e := lstatAt(p)
	if e != ESUCCESS {
		return e
	}
	if !isDirMode(st.Mode) {
		return ENOTDIR
	}
	return ifDir
}

// resolveTwo resolves the two paths of a rename or link: oldPath beneath
// n (following a final symlink if follow) and newPath beneath newDir,
// which must be a host directory too. On success the caller closes both.
func (n *hostNode) resolveTwo(oldPath string, follow bool, newDir node, newPath string) (po, pn parent, e Errno) {
	nd, ok := newDir.(*hostNode)
	if !ok {
		return po, pn, EXDEV
	}
	if po, e = n.resolve(oldPath, follow); e != ESUCCESS {
		return po, pn, e
	}
	if pn, e = nd.resolve(newPath, false); e != ESUCCESS {
		po.close()
		return po, pn, e
	}
	return po, pn, ESUCCESS
}

func (n *hostNode) renameAt(oldPath string, newDir node, newPath string) Errno {
	po, pn, e := n.resolveTwo(oldPath, false, newDir, newPath)
	if e != ESUCCESS {
		return e
	}
	defer po.close()
	defer pn.close()
	if e := checkDirSlash(po, po.mustDir || pn.mustDir); e != ESUCCESS {
		return e
	}
	return errnoOf(unix.Renameat(po.dir, po.name, pn.dir, pn.name))
}

func (n *hostNode) linkAt(oldPath string, follow bool, newDir node, newPath string) Errno {
	po, pn, e := n.resolveTwo(oldPath, follow, newDir, newPath)
	if e != ESUCCESS {
		return e
	}
	defer po.close()
	defer pn.close()
	if pn.mustDir {
		if _, e := lstatAt(pn); e != ESUCCESS {
			return e
		}
		return EEXIST
	}
	if po.mustDir {
		return slashErrno(po, EPERM)
	}
	return errnoOf(unix.Linkat(po.dir, po.name, pn.dir, pn.name, 0))
}

func (n *hostNode) symlinkAt(target, path string) Errno {
	p, e := n.resolve(path, false)
	if e != ESUCCESS {
		return e
	}
	defer p.close()
	if p.mustDir {
		if _, e := lstatAt(p); e != ESUCCESS {
			return e
		}
		return EEXIST
	}
	return errnoOf(unix.Symlinkat(target, p.dir, p.name))
}

func (n *hostNode) readlinkAt(path string) (string, Errno) {
	p, e := n.resolve(path, false)
	if e != ESUCCESS {
		return "", e
	}
	defer p.close()
	if p.mustDir {
		return "", ENOTDIR
	}
	s, err := readlink(p.dir, p.name)
	return s, errnoOf(err)
}

func (n *hostNode) statAt(path string, follow bool) (Filestat, Errno) {
	p, e := n.resolve(path, follow || mustDirPath(path))
	if e != ESUCCESS {
		return Filestat{}, e
	}
	defer p.close()
	st, e := lstatAt(p)
	if e != ESUCCESS {
		return Filestat{}, e
	}
	if p.mustDir && !isDirMode(st.Mode) {
		return Filestat{}, ENOTDIR
	}
	return filestatOf(&st), ESUCCESS
}

func (n *hostNode) setTimesAt(path string, follow bool, t setTimes) Errno {
	p, e := n.resolve(path, follow || mustDirPath(path))
	if e != ESUCCESS {
		return e
	}
	defer p.close()
	if e := checkDirSlash(p, p.mustDir); e != ESUCCESS {
		return e
	}
	return errnoOf(unix.UtimesNanoAt(p.dir, p.name, timespecs(t), unix.AT_SYMLINK_NOFOLLOW))
}

func mustDirPath(p string) bool { return len(p) > 0 && p[len(p)-1] == '/' }
