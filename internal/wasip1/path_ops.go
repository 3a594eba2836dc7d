package wasip1

// The path_* functions other than path_open: each checks the directory's
// right (and, for a change, that the directory may change: fdEntry.mutable),
// then asks the node.

// dirPath returns the directory descriptor (with right) and the guest path.
func (c call) dirPath(fdw, ptr, n uint64, right Rights) (*fdEntry, string, Errno) {
	e, errno := c.s.entryWith(u32(fdw), right)
	if errno != ESUCCESS {
		return nil, "", errno
	}
	path, errno := c.mem.str(u32(ptr), u32(n))
	if errno != ESUCCESS {
		return nil, "", errno
	}
	return e, path, ESUCCESS
}

// dirPathMut is dirPath for a call that changes the directory: a read-only
// preopen refuses it (EPERM) before rights are looked at.
func (c call) dirPathMut(fdw, ptr, n uint64, right Rights) (*fdEntry, string, Errno) {
	e, errno := c.s.entryMut(u32(fdw), right)
	if errno != ESUCCESS {
		return nil, "", errno
	}
	path, errno := c.mem.str(u32(ptr), u32(n))
	if errno != ESUCCESS {
		return nil, "", errno
	}
	return e, path, ESUCCESS
}

func pathCreateDirectory(c call, p []uint64) Errno {
	e, path, errno := c.dirPathMut(p[0], p[1], p[2], RightPathCreateDirectory)
	if errno != ESUCCESS {
		return errno
	}
	return e.node.mkdirAt(path)
}

func pathRemoveDirectory(c call, p []uint64) Errno {
	e, path, errno := c.dirPathMut(p[0], p[1], p[2], RightPathRemoveDirectory)
	if errno != ESUCCESS {
		return errno
	}
	return e.node.rmdirAt(path)
}

func pathUnlinkFile(c call, p []uint64) Errno {
	e, path, errno := c.dirPathMut(p[0], p[1], p[2], RightPathUnlinkFile)
	if errno != ESUCCESS {
		return errno
	}
	return e.node.unlinkAt(path)
}

func pathFilestatGet(c call, p []uint64) Errno {
	e, path, errno := c.dirPath(p[0], p[2], p[3], RightPathFilestatGet)
	if errno != ESUCCESS {
		return errno
	}
	st, errno := e.node.statAt(path, u32(p[1])&LookupSymlinkFollow != 0)
	if errno != ESUCCESS {
		return errno
	}
	return putFilestat(c.mem, u32(p[4]), st)
}

func pathFilestatSetTimes(c call, p []uint64) Errno {
	e, path, errno := c.dirPathMut(p[0], p[2], p[3], RightPathFilestatSetTimes)
	if errno != ESUCCESS {
		return errno
	}
	t, errno := parseFstflags(p[4], p[5], u32(p[6]))
	if errno != ESUCCESS {
		return errno
	}
	return e.node.setTimesAt(path, u32(p[1])&LookupSymlinkFollow != 0, t)
}

// path_link changes both sides: a new name for the source's inode is a way
// to write it, so a read-only source directory refuses as a read-only
// target does.
func pathLink(c call, p []uint64) Errno {
	old, oldPath, errno := c.dirPathMut(p[0], p[2], p[3], RightPathLinkSource)
	if errno != ESUCCESS {
		return errno
	}
	nd, newPath, errno := c.dirPathMut(p[4], p[5], p[6], RightPathLinkTarget)
	if errno != ESUCCESS {
		return errno
	}
	return old.node.linkAt(oldPath, u32(p[1])&LookupSymlinkFollow != 0, nd.node, newPath)
}

func pathRename(c call, p []uint64) Errno {
	old, oldPath, errno := c.dirPathMut(p[0], p[1], p[2], RightPathRenameSource)
	if errno != ESUCCESS {
		return errno
	}
	nd, newPath, errno := c.dirPathMut(p[3], p[4], p[5], RightPathRenameTarget)
	if errno != ESUCCESS {
		return errno
	}
	return old.node.renameAt(oldPath, nd.node, newPath)
}

func pathSymlink(c call, p []uint64) Errno {
	target, errno := c.mem.str(u32(p[0]), u32(p[1]))
	if errno != ESUCCESS {
		return errno
	}
	e, path, errno := c.dirPathMut(p[2], p[3], p[4], RightPathSymlink)
	if errno != ESUCCESS {
		return errno
	}
	if len(target) > 0 && target[0] == '/' {
		// such a link could only ever be refused; do not plant it for the host
		return EPERM
	}
	for i := 0; i < len(target); i++ {
		if target[i] == 0 {
			return EILSEQ
		}
	}
	return e.node.symlinkAt(target, path)
}

func pathReadlink(c call, p []uint64) Errno {
	e, path, errno := c.dirPath(p[0], p[1], p[2], RightPathReadlink)
	if errno != ESUCCESS {
		return errno
	}
	target, errno := e.node.readlinkAt(path)
	if errno != ESUCCESS {
		return errno
	}
	buf, errno := c.mem.bytes(u32(p[3]), u32(p[4]))
	if errno != ESUCCESS {
		return errno
	}
	// like readlink(2), a short buffer gets a truncated target
	n := copy(buf, target)
	return c.mem.putU32(u32(p[5]), uint32(n))
}
