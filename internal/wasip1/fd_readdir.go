package wasip1

import "encoding/binary"

// fd_readdir writes dirent records (24-byte header, then the name without a
// NUL) from the entry after cookie. Cookie n means "after the n-th entry";
// 0 starts over and takes a fresh snapshot of the directory. When the
// buffer fills, the last record is cut short and bufused equals buf_len, as
// wasi-libc expects (it then retries with a bigger buffer).

const direntSize = 24

func fdReaddir(c call, p []uint64) Errno {
	e, errno := c.s.entryWith(u32(p[0]), RightFdReaddir)
	if errno != ESUCCESS {
		return errno
	}
	buf, bufLen, cookie := u32(p[1]), u32(p[2]), p[3]
	out, errno := c.mem.bytes(buf, bufLen)
	if errno != ESUCCESS {
		return errno
	}
	if cookie == 0 || e.dir == nil || e.dir.listing == nil {
		list, errno := e.node.readdir()
		if errno != ESUCCESS {
			return errno
		}
		e = c.s.owned(u32(p[0]), e)
		if e.dir == nil {
			e.dir = &dirEntry{}
		}
		e.dir.listing = &list
	}
	listing := *e.dir.listing
	used := 0
	var hdr [direntSize]byte
	for i := cookie; i < uint64(len(listing)) && used < len(out); i++ {
		d := listing[i]
		binary.LittleEndian.PutUint64(hdr[0:], i+1)
		binary.LittleEndian.PutUint64(hdr[8:], d.ino)
		binary.LittleEndian.PutUint32(hdr[16:], uint32(len(d.name)))
		hdr[20], hdr[21], hdr[22], hdr[23] = byte(d.typ), 0, 0, 0
		used += copy(out[used:], hdr[:])
		used += copy(out[used:], d.name)
	}
	return c.mem.putU32(u32(p[4]), uint32(used))
}
