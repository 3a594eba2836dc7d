package wasip1

import "encoding/binary"

// fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times, and the
// filestat encoding shared with path_filestat_get.

// putFilestat writes the 64-byte filestat record.
func putFilestat(g guest, ptr uint32, st Filestat) Errno {
	b, errno := g.bytes(ptr, 64)
	if errno != ESUCCESS {
		return errno
	}
	clear(b)
	binary.LittleEndian.PutUint64(b[0:], st.Dev)
	binary.LittleEndian.PutUint64(b[8:], st.Ino)
	b[16] = byte(st.Filetype)
	binary.LittleEndian.PutUint64(b[24:], st.Nlink)
	binary.LittleEndian.PutUint64(b[32:], st.Size)
	binary.LittleEndian.PutUint64(b[40:], st.Atim)
	binary.LittleEndian.PutUint64(b[48:], st.Mtim)
	binary.LittleEndian.PutUint64(b[56:], st.Ctim)
	return ESUCCESS
}

func fdFilestatGet(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdFilestatGet)
	if errno != ESUCCESS {
		return errno
	}
	st, errno := e.node.stat()
	if errno != ESUCCESS {
		return errno
	}
	return putFilestat(c.mem, u32(p[1]), st)
}

func fdFilestatSetSize(c call, p []uint64) Errno {
	e, errno := c.s.entryMut(u32(p[0]), 0)
	if errno != ESUCCESS {
		return errno
	}
	if e.typ == FiletypeDirectory {
		return EISDIR
	}
	if e.base&RightFdFilestatSetSize == 0 {
		return ENOTCAPABLE
	}
	size := i64(p[1])
	if size < 0 {
		return EINVAL
	}
	return e.node.truncate(size)
}

// parseFstflags validates the flags of a set_times call.
func parseFstflags(atim, mtim uint64, flags uint32) (setTimes, Errno) {
	if flags&^uint32(FstflagAtim|FstflagAtimNow|FstflagMtim|FstflagMtimNow) != 0 {
		return setTimes{}, EINVAL
	}
	f := uint16(flags)
	if f&FstflagAtim != 0 && f&FstflagAtimNow != 0 || f&FstflagMtim != 0 && f&FstflagMtimNow != 0 {
		return setTimes{}, EINVAL
	}
	return setTimes{
		atim: int64(atim), mtim: int64(mtim),
		setAtim: f&FstflagAtim != 0, atimNow: f&FstflagAtimNow != 0,
		setMtim: f&FstflagMtim != 0, mtimNow: f&FstflagMtimNow != 0,
	}, ESUCCESS
}

func fdFilestatSetTimes(c call, p []uint64) Errno {
	e, errno := c.s.entryMut(u32(p[0]), RightFdFilestatSetTimes)
	if errno != ESUCCESS {
		return errno
	}
	t, errno := parseFstflags(p[1], p[2], u32(p[3]))
	if errno != ESUCCESS {
		return errno
	}
	return e.node.setTimes(t)
}
