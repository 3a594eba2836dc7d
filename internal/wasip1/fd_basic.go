package wasip1

import "encoding/binary"

// Descriptor bookkeeping: close, renumber, fdstat, rights, flags, prestat.

func fdClose(c call, p []uint64) Errno {
	fd := u32(p[0])
	e, errno := c.s.entry(fd)
	if errno != ESUCCESS {
		return errno
	}
	c.s.set(fd, nil)
	return e.closeNode()
}

// fd_renumber moves the whole entry, its read-only mark with it: a
// read-only descriptor renumbered over a writable one stays read-only.
func fdRenumber(c call, p []uint64) Errno {
	from, to := u32(p[0]), u32(p[1])
	e, errno := c.s.entry(from)
	if errno != ESUCCESS {
		return errno
	}
	old, errno := c.s.entry(to)
	if errno != ESUCCESS {
		return errno
	}
	if from == to {
		return ESUCCESS
	}
	old.closeNode()
	c.s.set(to, e)
	c.s.set(from, nil)
	return ESUCCESS
}

func fdFdstatGet(c call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	b, errno := c.mem.bytes(u32(p[1]), 24)
	if errno != ESUCCESS {
		return errno
	}
	clear(b)
	b[0] = byte(e.typ)
	binary.LittleEndian.PutUint16(b[2:], e.fdflags)
	binary.LittleEndian.PutUint64(b[8:], uint64(e.base))
	binary.LittleEndian.PutUint64(b[16:], uint64(e.inherit))
	return ESUCCESS
}

// fd_fdstat_set_flags changes APPEND and NONBLOCK; the sync flags can only
// be chosen at open time. APPEND is allowed under a read-only preopen, as
// wasmtime allows it: such a descriptor has no fd_write right and its host
// file is open read-only, so the flag changes nothing it can reach.
func fdFdstatSetFlags(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdFdstatSetFlags)
	if errno != ESUCCESS {
		return errno
	}
	flags := uint16(p[1])
	if uint64(flags) != uint64(u32(p[1])) || flags&^(FdflagAppend|FdflagDsync|FdflagNonblock|FdflagRsync|FdflagSync) != 0 {
		return EINVAL
	}
	if flags&(FdflagDsync|FdflagRsync|FdflagSync) != e.fdflags&(FdflagDsync|FdflagRsync|FdflagSync) {
		return ENOTSUP
	}
	if (flags^e.fdflags)&(FdflagAppend|FdflagNonblock) != 0 && !e.borrowed {
		if errno := e.node.setFdflags(flags); errno != ESUCCESS {
			return errno
		}
	}
	c.s.owned(u32(p[0]), e).fdflags = flags
	return ESUCCESS
}

// fd_fdstat_set_rights can only drop rights.
func fdFdstatSetRights(c call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	base, inherit := Rights(p[1]), Rights(p[2])
	if base&^e.base != 0 || inherit&^e.inherit != 0 {
		return ENOTCAPABLE
	}
	e = c.s.owned(u32(p[0]), e)
	e.base, e.inherit = base, inherit
	return ESUCCESS
}

func fdPrestatGet(c call, p []uint64) Errno {
	e, errno := c.s.preopenEntry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	b, errno := c.mem.bytes(u32(p[1]), 8)
	if errno != ESUCCESS {
		return errno
	}
	clear(b)
	b[0] = PreopentypeDir
	binary.LittleEndian.PutUint32(b[4:], uint32(len(e.preopenName())))
	return ESUCCESS
}

func fdPrestatDirName(c call, p []uint64) Errno {
	e, errno := c.s.preopenEntry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	n := u32(p[2])
	if uint64(n) < uint64(len(e.preopenName())) {
		return ENAMETOOLONG
	}
	b, errno := c.mem.bytes(u32(p[1]), uint32(len(e.preopenName())))
	if errno != ESUCCESS {
		return errno
	}
	copy(b, e.preopenName())
	return ESUCCESS
}

// fd_advise is a hint: checked, then ignored.
func fdAdvise(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdAdvise)
	if errno != ESUCCESS {
		return errno
	}
	if i64(p[1]) < 0 || i64(p[2]) < 0 || u32(p[3]) > 5 {
		return EINVAL
	}
	if e.typ == FiletypeDirectory {
		return EBADF
	}
	return ESUCCESS
}

func fdAllocate(c call, p []uint64) Errno {
	e, errno := c.s.entryMut(u32(p[0]), RightFdAllocate)
	if errno != ESUCCESS {
		return errno
	}
	off, n := i64(p[1]), i64(p[2])
	if off < 0 || n <= 0 || off+n < 0 {
		return EINVAL
	}
	return e.node.allocate(off, n)
}

func fdDatasync(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdDatasync)
	if errno != ESUCCESS {
		return errno
	}
	return e.node.sync(true)
}

func fdSync(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdSync)
	if errno != ESUCCESS {
		return errno
	}
	return e.node.sync(false)
}

func fdSeek(c call, p []uint64) Errno {
	return seekFd(c, u32(p[0]), i64(p[1]), u32(p[2]), u32(p[3]))
}

// fd_tell is fd_seek(fd, 0, WHENCE_CUR), which fd_tell's right alone allows.
func fdTell(c call, p []uint64) Errno {
	return seekFd(c, u32(p[0]), 0, uint32(WhenceCur), u32(p[1]))
}

// seekFd moves fd's offset and stores the new one at result. Moving by 0
// from the current offset needs only fd_tell; any other move needs fd_seek.
func seekFd(c call, fd uint32, off int64, whence, result uint32) Errno {
	need := RightFdSeek
	if off == 0 && whence == uint32(WhenceCur) {
		need = RightFdTell
	}
	e, errno := c.s.entry(fd)
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EBADF
	}
	if e.typ == FiletypeCharacterDevice {
		return ESPIPE
	}
	if e.base&need == 0 && e.base&RightFdSeek == 0 {
		return ENOTCAPABLE
	}
	if whence > uint32(WhenceEnd) {
		return EINVAL
	}
	pos, errno := e.node.seek(off, uint8(whence))
	if errno != ESUCCESS {
		return errno
	}
	return c.mem.putU64(result, uint64(pos))
}
