package wasip1

// fd_read, fd_write, fd_pread, fd_pwrite: scatter/gather over guest
// buffers. All iovecs are checked before any byte moves.

func fdRead(c *call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	if e.base&RightFdRead == 0 {
		return EBADF
	}
	bufs, errno := c.mem.iovecs(u32(p[1]), u32(p[2]))
	if errno != ESUCCESS {
		return errno
	}
	var total uint32
	for _, b := range bufs {
		n, errno := e.node.read(b)
		if errno != ESUCCESS {
			if total > 0 {
				break
			}
			return errno
		}
		total += uint32(n)
		if n < len(b) {
			break
		}
	}
	return c.mem.putU32(u32(p[3]), total)
}

func fdWrite(c *call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	if e.base&RightFdWrite == 0 {
		return EBADF
	}
	bufs, errno := c.mem.iovecs(u32(p[1]), u32(p[2]))
	if errno != ESUCCESS {
		return errno
	}
	var total uint32
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, errno := e.node.write(b)
		if errno != ESUCCESS {
			if total > 0 {
				break
			}
			return errno
		}
		total += uint32(n)
		if n < len(b) {
			break
		}
	}
	return c.mem.putU32(u32(p[3]), total)
}

func fdPread(c *call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	if e.base&RightFdRead == 0 {
		return EBADF
	}
	if e.base&RightFdSeek == 0 {
		return ENOTCAPABLE
	}
	off := i64(p[3])
	if off < 0 {
		return EINVAL
	}
	bufs, errno := c.mem.iovecs(u32(p[1]), u32(p[2]))
	if errno != ESUCCESS {
		return errno
	}
	var total uint32
	for _, b := range bufs {
		n, errno := e.node.pread(b, off+int64(total))
		if errno != ESUCCESS {
			if total > 0 {
				break
			}
			return errno
		}
		total += uint32(n)
		if n < len(b) {
			break
		}
	}
	return c.mem.putU32(u32(p[4]), total)
}

func fdPwrite(c *call, p []uint64) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	if e.base&RightFdWrite == 0 {
		return EBADF
	}
	if e.base&RightFdSeek == 0 {
		return ENOTCAPABLE
	}
	off := i64(p[3])
	if off < 0 {
		return EINVAL
	}
	bufs, errno := c.mem.iovecs(u32(p[1]), u32(p[2]))
	if errno != ESUCCESS {
		return errno
	}
	var total uint32
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, errno := e.node.pwrite(b, off+int64(total))
		if errno != ESUCCESS {
			if total > 0 {
				break
			}
			return errno
		}
		total += uint32(n)
		if n < len(b) {
			break
		}
	}
	return c.mem.putU32(u32(p[4]), total)
}
