package wasip1

// fd_read, fd_write, fd_pread, fd_pwrite: scatter/gather over guest
// buffers. All iovecs are checked before any byte moves.

func fdRead(c call, p []uint64) Errno   { return fdIO(c, p, false, false) }
func fdWrite(c call, p []uint64) Errno  { return fdIO(c, p, true, false) }
func fdPread(c call, p []uint64) Errno  { return fdIO(c, p, false, true) }
func fdPwrite(c call, p []uint64) Errno { return fdIO(c, p, true, true) }

// fdIO is the body of the four calls. Parameters are (fd, iovs, iovs_len,
// nread/nwritten) or, when positioned, (fd, iovs, iovs_len, offset,
// nread/nwritten). A failure after some bytes moved ends the transfer
// and reports the partial count; a short transfer ends it too. A wait cut
// short by the call's context ends the call with the interrupted trap
// whatever has moved.
func fdIO(c call, p []uint64, write, positioned bool) Errno {
	e, errno := c.s.entry(u32(p[0]))
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	right := RightFdRead
	if write {
		right = RightFdWrite
	}
	if e.base&right == 0 {
		return EBADF
	}
	var off int64
	result := u32(p[3])
	if positioned {
		if e.base&RightFdSeek == 0 {
			return ENOTCAPABLE
		}
		off = i64(p[3])
		if off < 0 {
			return EINVAL
		}
		result = u32(p[4])
	}
	// Room for the iovecs wasi-libc's stdio passes (its buffer and the
	// caller's bytes), on the stack.
	var room [2][]byte
	bufs, errno := c.mem.iovecs(u32(p[1]), u32(p[2]), room[:])
	if errno != ESUCCESS {
		return errno
	}
	var total uint32
	for _, b := range bufs {
		if write && len(b) == 0 {
			continue
		}
		var n int
		at := off + int64(total)
		switch {
		case !write && !positioned:
			n, errno = e.node.read(c.ctx, b)
		case !write:
			n, errno = e.node.pread(b, at)
		case !positioned:
			n, errno = e.node.write(c.ctx, b)
		default:
			n, errno = e.node.pwrite(b, at)
		}
		if errno != ESUCCESS {
			if total > 0 && errno != errnoInterrupted {
				break
			}
			return errno
		}
		total += uint32(n)
		if n < len(b) {
			break
		}
	}
	return c.mem.putU32(result, total)
}
