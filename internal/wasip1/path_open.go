package wasip1

// path_open: the only way a guest gains a new descriptor.

func pathOpen(c call, p []uint64) Errno {
	dir, errno := c.s.entryWith(u32(p[0]), RightPathOpen)
	if errno != ESUCCESS {
		return errno
	}
	lookup, oflags32, fdflags32 := u32(p[1]), u32(p[4]), u32(p[7])
	base, inherit := Rights(p[5]), Rights(p[6])
	if oflags32&^uint32(OflagCreat|OflagDirectory|OflagExcl|OflagTrunc) != 0 ||
		fdflags32&^uint32(FdflagAppend|FdflagDsync|FdflagNonblock|FdflagRsync|FdflagSync) != 0 ||
		lookup&^LookupSymlinkFollow != 0 {
		return EINVAL
	}
	oflags, fdflags := uint16(oflags32), uint16(fdflags32)
	if oflags&OflagDirectory != 0 && oflags&OflagTrunc != 0 {
		return EINVAL
	}
	path, errno := c.mem.str(u32(p[2]), u32(p[3]))
	if errno != ESUCCESS {
		return errno
	}
	// a descriptor never gets rights its directory could not hand down
	base &= dir.inherit
	inherit &= dir.inherit
	// Only fd_write opens the host file for writing, as in wasmtime: Go's
	// wasip1 runtime asks for fd_filestat_set_size (and more) on every
	// read-only open, which must work under a read-only preopen.
	write := base&RightFdWrite != 0 || oflags&OflagTrunc != 0
	if write || oflags&OflagCreat != 0 {
		if errno := dir.mutable(); errno != ESUCCESS {
			return errno
		}
	}
	if oflags&OflagCreat != 0 && dir.base&RightPathCreateFile == 0 {
		return ENOTCAPABLE
	}
	if oflags&OflagTrunc != 0 && dir.base&RightPathFilestatSetSize == 0 {
		return ENOTCAPABLE
	}
	req := openReq{
		oflags:  oflags,
		fdflags: fdflags,
		follow:  lookup&LookupSymlinkFollow != 0,
		read:    base&(RightFdRead|RightFdReaddir) != 0,
		write:   write,
	}
	if oflags&OflagDirectory != 0 {
		if base&RightFdWrite != 0 {
			return EISDIR // a directory cannot be opened for writing
		}
		req.write = false
	}
	n, errno := dir.node.openAt(path, req)
	if errno != ESUCCESS {
		return errno
	}
	typ := n.filetype()
	e := &fdEntry{node: n, typ: typ, fdflags: fdflags, readOnly: dir.readOnly}
	if typ == FiletypeDirectory {
		e.base, e.inherit = base&rightsDirAll, inherit
	} else {
		e.base, e.inherit = base&rightsFileAll, 0
	}
	if e.readOnly {
		// what is opened under a read-only preopen stays read-only
		e.base &^= rightsFileWrite
	}
	fd, errno := c.s.add(e)
	if errno != ESUCCESS {
		n.close()
		return errno
	}
	if errno := c.mem.putU32(u32(p[8]), fd); errno != ESUCCESS {
		c.s.set(fd, nil)
		n.close()
		return errno
	}
	return ESUCCESS
}
